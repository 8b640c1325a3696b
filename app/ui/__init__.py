"""The studio window. The only layer that imports QtWidgets or qasync."""
