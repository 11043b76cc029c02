"""Downloading WhatsApp attachments from Twilio (its media URLs need the account's
credentials) into MARA's own storage, with host, type and size limits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests

MAX_BYTES = 10 * 1024 * 1024
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/amr": "amr",
    "video/mp4": "mp4",
}
TWILIO_HOSTS = ("api.twilio.com",)


class MediaRefused(Exception):
    """Not downloaded: foreign host, type not allowed, too big, or the download failed."""


@dataclass(frozen=True)
class StoredMedia:
    relative_path: str
    content_type: str
    size: int


def allowed_host(url: str, api_base_url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return (
        url.startswith("https://")
        and host in TWILIO_HOSTS
        or url.startswith(api_base_url.rstrip("/") + "/")
    )


def download(
    url: str,
    dest_dir: Path,
    name: str,
    account_sid: str,
    auth_token: str,
    api_base_url: str,
    timeout: float = 20,
) -> StoredMedia:
    """Fetch one media file as `dest_dir/name.<ext>`; never more than MAX_BYTES."""
    if not allowed_host(url, api_base_url):
        raise MediaRefused("not a Twilio media URL")
    try:
        with requests.get(
            url, auth=(account_sid, auth_token), stream=True, timeout=timeout
        ) as response:
            if response.status_code != 200:
                raise MediaRefused(f"Twilio answered {response.status_code}")
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip()
            extension = EXTENSIONS.get(content_type)
            if extension is None:
                raise MediaRefused(f"type not allowed: {content_type or 'unknown'}")
            if int(response.headers.get("Content-Length") or 0) > MAX_BYTES:
                raise MediaRefused("file too big")
            dest_dir.mkdir(parents=True, exist_ok=True)
            target = dest_dir / f"{name}.{extension}"
            partial = target.with_suffix(".part")
            size = 0
            with partial.open("wb") as f:
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > MAX_BYTES:
                        f.close()
                        partial.unlink(missing_ok=True)
                        raise MediaRefused("file too big")
                    f.write(chunk)
            partial.replace(target)
    except requests.RequestException as exc:
        raise MediaRefused(type(exc).__name__) from exc
    return StoredMedia(str(target), content_type, size)
