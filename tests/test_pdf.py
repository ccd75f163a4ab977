"""The PDF renderer reaches only our static files: no local files, no network, no data URLs."""

import io

import pytest
from pypdf import PdfReader

from curriculum import pdf


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "file://localhost/etc/hostname", "http://127.0.0.1:5432/",
    "https://example.org/style.css", "data:text/css,body{color:red}", "ftp://example.org/x",
    (pdf.STATIC_DIR / ".." / "app.py").as_uri(), (pdf.STATIC_DIR / "missing.css").as_uri(),
])
def test_fetcher_refuses_everything_but_static(url: str) -> None:
    with pytest.raises(ValueError, match="refused"):
        pdf.StaticOnlyFetcher().fetch(url)


def test_fetcher_serves_a_static_file() -> None:
    response = pdf.StaticOnlyFetcher().fetch(pdf.PRINT_CSS.as_uri())
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_attachments_and_remote_resources_do_not_reach_the_pdf() -> None:
    html = ('<html lang="en"><head><title>t</title>'
            '<link rel="attachment" href="file:///etc/passwd">'
            '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
            '<style>@import url("file:///etc/hostname"); body { background: url(/etc/passwd) }'
            '</style></head><body><p>Safe text</p><img src="file:///etc/passwd"></body></html>')
    document = pdf.render_pdf(html)
    reader = PdfReader(io.BytesIO(document))
    assert "Safe text" in reader.pages[0].extract_text()
    assert not reader.attachments
    assert b"root:" not in document
