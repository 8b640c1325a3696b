"""Media on PyAV (FFmpeg): no Qt import at all. Small functions on paths, dataclasses out.

- ``formats``: the one table of accepted formats (``extensions``, ``mime_types``,
  ``names``, ``file_filter``, ``sniff``, ``looks_like``, ``has_accepted_extension``).
- ``audio``: ``scan_audio`` (count, level, peaks), ``decode_pcm`` (mono 16-bit at a
  rate, a sample-exact window), ``convert_to_wav``, ``waveform_peaks``.
- ``probe``: ``probe`` (headers), ``probe_video`` (a result decodes at its first and
  last frame), ``first_frame`` (RGB for a thumbnail).
- ``pauses``: ``map_speech`` / ``map_pcm`` -> ``SpeechMap`` (20 ms levels, pauses).
- ``plan``: ``plan_parts`` (the cheapest long-video plan), ``move_cut``, ``nearest_cut``.
- ``join``: ``join_parts`` (the long video under the original voice), ``cut_clip``,
  ``join_clips``, ``lay_audio``; ``write_video`` underneath them all.

Every failure is ``files.MediaError`` with FFmpeg's reason; judging and wording for the
creator is app.jobs' business. All of it is synchronous: call it from a worker thread.
"""
