"""Segmind over HTTP: pure asyncio + httpx. No Qt, no qasync."""
