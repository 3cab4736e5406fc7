"""The web front: Flask app factory, HTML views, JSON API, OpenAPI, languages and HTTP hardening."""
