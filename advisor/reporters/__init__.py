"""Reporters: render a ScanResult for machines and people. They know neither libraries nor Treddy."""
