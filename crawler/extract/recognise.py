"""Which platform profile a page belongs to, from its markup and URL shape."""

from __future__ import annotations

from bs4 import BeautifulSoup

from crawler.profiles import Profile, known_platforms, load_profile


def score(profile: Profile, soup: BeautifulSoup, url: str) -> int:
    """One point per recognition selector present and per URL pattern matched."""
    points = sum(1 for selector in profile.recognise_selectors if soup.select_one(selector) is not None)
    return points + sum(1 for pattern in profile.recognise_url_patterns if pattern.search(url))


def recognise_platform(soup: BeautifulSoup, url: str) -> Profile | None:
    """The best-scoring known profile, or ``None`` when none reaches its ``min_score``."""
    best: tuple[int, Profile] | None = None
    for name in known_platforms():
        profile = load_profile(name)
        points = score(profile, soup, url)
        if points >= profile.recognise_min_score and (best is None or points > best[0]):
            best = (points, profile)
    return best[1] if best else None
