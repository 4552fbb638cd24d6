"""Which platform profile a page belongs to, from its markup and URL shape.

Each profile lists recognition selectors (generator meta, Liferay portlet ids, mediacdn
assets, SharePoint form ids) and URL patterns; a page scores one point per selector present
and per pattern matched, and the best profile at or above its ``min_score`` wins.
"""

from __future__ import annotations

from crawler.extract.dom import HtmlElement, parse_html, select_one
from crawler.profiles import Profile, known_platforms, load_profile


def score(profile: Profile, root: HtmlElement, url: str) -> int:
    """One point per recognition selector present and per URL pattern matched."""
    points = sum(1 for selector in profile.recognise_selectors if select_one(root, selector) is not None)
    return points + sum(1 for pattern in profile.recognise_url_patterns if pattern.search(url))


def scores(root: HtmlElement | str, url: str) -> dict[str, int]:
    """Every known profile's score for the page (what ``portal-archive probe`` shows)."""
    root = parse_html(root) if isinstance(root, str) else root
    return {name: score(load_profile(name), root, url) for name in known_platforms()}


def recognise_platform(root: HtmlElement | str, url: str) -> Profile | None:
    """The best-scoring known profile, or ``None`` when none reaches its ``min_score``."""
    root = parse_html(root) if isinstance(root, str) else root
    best: tuple[int, Profile] | None = None
    for name in known_platforms():
        profile = load_profile(name)
        points = score(profile, root, url)
        if points >= profile.recognise_min_score and (best is None or points > best[0]):
            best = (points, profile)
    return best[1] if best else None
