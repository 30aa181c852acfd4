"""Blueprints of the Flask app."""
