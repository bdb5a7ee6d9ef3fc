"""The bundled policies (*.policy), shipped as package data."""
