"""What every browser test checks on the pages it visits: axe-core's automated accessibility rules
(no violation) and a full-page screenshot saved under var/screenshots/ for review."""

from __future__ import annotations

from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def check_page(page, name: str) -> None:
    """Save ``var/screenshots/<name>.png`` and fail on any axe-core violation, listing each one
    with the elements it found."""
    from axe_playwright_python.sync_playwright import Axe

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    violations = Axe().run(page).response["violations"]
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in violations
    ]
    assert not found, f"{name}: accessibility violations:\n" + "\n".join(found)
