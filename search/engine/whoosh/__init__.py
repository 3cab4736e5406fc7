"""whoosh"""
