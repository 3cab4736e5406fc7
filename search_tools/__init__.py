"""search_tools"""
