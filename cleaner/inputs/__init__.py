"""Bytes in: files, folders, compression, WARC, JSONL, stdin; decoding and sniffing."""
