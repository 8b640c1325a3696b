"""Jobs: model, store, runner and media preparation. No QtWidgets, no qasync."""
