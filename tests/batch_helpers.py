"""What the batch tests (and benchmarks/batch.py) share: a news-like Vietnamese corpus made
from templates, and JSONL files written and read back."""

from __future__ import annotations

import json
import random
from pathlib import Path

# ------------------------------------------------------------------------------------------
# A news-like corpus from templates
# ------------------------------------------------------------------------------------------

_PLACES = ["Hà Nội", "TP.HCM", "Đà Nẵng", "Cần Thơ", "Hải Phòng", "Quảng Ninh", "Huế",
           "Nghệ An", "Bình Dương", "Đồng Nai"]
_SUBJECTS = ["Ủy ban nhân dân", "Sở Giao thông vận tải", "Ngân hàng Nhà nước", "Bộ Y tế",
             "Công an thành phố", "Tổng cục Thống kê", "Bộ Công Thương", "Sở Giáo dục"]
_TEMPLATES = [
    "{subject} {place} cho biết đã có {n} người tham gia chương trình trong tháng {m}.",
    "Theo {subject}, giá xăng tại {place} tăng {pct},5% so với tuần trước.",
    "Mưa lớn kéo dài khiến {n} hộ dân ở {place} phải sơ tán khẩn cấp.",
    "{subject} vừa công bố kế hoạch đầu tư {n} tỷ đồng cho dự án mới tại {place}.",
    "Ông Nguyễn Văn {name}, đại diện {subject}, nói rằng tình hình đang được kiểm soát.",
    "Trong quý {q}, xuất khẩu của {place} đạt hơn {n} triệu USD, tăng mạnh so với cùng kỳ.",
    "Giao thông tại {place} ùn tắc nghiêm trọng vào giờ cao điểm sáng nay.",
    "Các chuyên gia dự báo nhiệt độ ở {place} có thể lên tới {t} độ C trong những ngày tới.",
    "{subject} {place} đã xử phạt {n} trường hợp vi phạm trong đợt kiểm tra vừa qua.",
    "Người dân {place} hy vọng dự án sẽ sớm hoàn thành để cải thiện đời sống.",
]
_NAMES = ["An", "Bình", "Cường", "Dũng", "Hùng", "Minh", "Nam", "Phong", "Quang", "Sơn"]
# Short sentences for tests: the tiny random model writes until its length bound (about twice
# the input), so short inputs keep the suite fast.
_SHORT_TEMPLATES = [
    "{place} mưa to ngày {m}.",
    "Giá xăng tăng {pct}%.",
    "{place} đón {n} khách.",
    "Ông {name} nói vậy.",
    "Giao thông ở {place} ùn tắc.",
    "Quý {q} xuất khẩu tăng.",
    "Trời nóng {t} độ C.",
]


def news_sentence(rng: random.Random, short: bool = False) -> str:
    return rng.choice(_SHORT_TEMPLATES if short else _TEMPLATES).format(
        subject=rng.choice(_SUBJECTS), place=rng.choice(_PLACES), n=rng.randint(2, 900),
        m=rng.randint(1, 12), pct=rng.randint(1, 9), name=rng.choice(_NAMES),
        q=rng.randint(1, 4), t=rng.randint(30, 41))


def news_document(rng: random.Random, sentences: tuple[int, int] = (3, 6),
                  short: bool = False) -> str:
    """Paragraphs of 1-3 sentences, blank lines between them."""
    count = rng.randint(*sentences)
    paragraphs: list[str] = []
    while count > 0:
        k = min(count, rng.randint(1, 3))
        paragraphs.append(" ".join(news_sentence(rng, short) for _ in range(k)))
        count -= k
    return "\n\n".join(paragraphs)


def news_corpus(n: int, seed: int = 0, sentences: tuple[int, int] = (3, 6),
                short: bool = False) -> list[str]:
    rng = random.Random(seed)
    return [news_document(rng, sentences, short) for _ in range(n)]



def write_jsonl(path: Path, rows: list[dict | str]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False))
                     + "\n")
    return path


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
