"""German text: analysis (tokens, stems, folding, compounds), sentences, the query language, snippets."""
