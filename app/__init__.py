"""Speech2Video Studio: lip-synced talking videos from a portrait and a voice clip."""

__version__ = "0.1.0"
APP_NAME = "Speech2Video Studio"
