from __future__ import annotations

from aiohttp.test_utils import TestClient


async def test_programme_page_lists_days_with_now_and_next(web: TestClient) -> None:
    resp = await web.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    html = await resp.text()
    assert resp.status == 200, html
    assert '<html lang="fr">' in html
    assert "Content-Security-Policy" in resp.headers
    print(len(html))
