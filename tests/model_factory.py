"""Offline factory for small, random-weight seq2seq models of real architectures.

Each model is saved with ``save_pretrained`` next to a tokenizer trained on a tiny
corpus, so ``AutoTokenizer.from_pretrained(dir)`` and
``AutoModelForSeq2SeqLM.from_pretrained(dir)`` load it with ``HF_HUB_OFFLINE=1`` and
give the same tokenizer class and the same conventions (special-token ids, language
codes, generation defaults) as the Hub model the family stands for:

========  ====================================  =======================================
family    stands for                            tokenizer class (transformers 5)
========  ====================================  =======================================
marian    Helsinki-NLP/opus-mt-vi-en            MarianTokenizer (sentencepiece, python)
t5        VietAI/envit5-translation             T5Tokenizer (tokenizers backend)
mbart50   vinai/vinai-translate-vi2en-v2        MBart50Tokenizer (tokenizers backend)
m2m100    facebook/m2m100_418M                  M2M100Tokenizer (sentencepiece, python)
nllb      facebook/nllb-200-distilled-600M      NllbTokenizer (tokenizers backend)
bart      sshleifer/distilbart-cnn-12-6         RobertaTokenizer (BartTokenizer alias)
pegasus   google/pegasus-cnn_dailymail          PegasusTokenizer (tokenizers backend)
========  ====================================  =======================================

``size="real"`` (marian, t5, bart) keeps the real layer sizes and the real
``vocab_size`` while the tokenizer is still the tiny trained one. Random weights then
generate ids far beyond the trained vocabulary, so the tokenizer is padded with filler
tokens up to ``config.vocab_size`` (``len(tokenizer) == config.vocab_size`` afterwards):

* marian: ``vocab.json`` gets an entry ``"▁w<id>"`` for every free id. This is required:
  ``MarianTokenizer`` looks unknown ids up in the sentencepiece model, which raises
  ``IndexError: piece id is out of range``.
* t5 / bart: ``tokenizer.add_tokens(["▁w<id>" | "Ġw<id>", ...])``. The tokenizers backend
  would silently drop out-of-range ids anyway; padding keeps the decoded text non-empty.

Every filler decodes to the word " w<id>". Generation defaults (``generation_config``)
copy the Hub models', e.g. distilbart's min_length=56 and opus-mt's max_length=512.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import sentencepiece as spm
import torch

FAMILIES = ("marian", "t5", "mbart50", "m2m100", "nllb", "bart", "pegasus")
SIZES = ("tiny", "real")
REAL_SIZE_FAMILIES = ("marian", "t5", "bart")

# Target vocabulary for the tiny tokenizers. sentencepiece may stop short of it on a small
# corpus (hard_vocab_limit=False), which is fine.
TINY_VOCAB = 1000

# Tiny transformer shape shared by every family.
TINY = {"d_model": 32, "layers": 2, "heads": 4, "ffn": 64, "positions": 512}

# Every Vietnamese letter (both cases, all tones). It is always added to the training text
# so that character_coverage=1.0 puts each letter in the vocabulary: no <unk> for any
# Vietnamese word even when a caller's corpus is small.
VIETNAMESE_LETTERS = (
    "a à á ả ã ạ ă ằ ắ ẳ ẵ ặ â ầ ấ ẩ ẫ ậ b c d đ e è é ẻ ẽ ẹ ê ề ế ể ễ ệ g h "
    "i ì í ỉ ĩ ị k l m n o ò ó ỏ õ ọ ô ồ ố ổ ỗ ộ ơ ờ ớ ở ỡ ợ p q r s t "
    "u ù ú ủ ũ ụ ư ừ ứ ử ữ ự v x y ỳ ý ỷ ỹ ỵ f j w z"
)
_ALPHABET_LINES = (
    VIETNAMESE_LETTERS,
    VIETNAMESE_LETTERS.upper(),
    "0 1 2 3 4 5 6 7 8 9 . , ; : ! ? ' \" ( ) [ ] - – / % & + = @ # $ € ₫ * _ …",
)

# Built-in bilingual, news-style corpus (written for this module).
VI_SENTENCES = (
    "Hà Nội hôm nay có mưa rào và dông, nhiệt độ cao nhất khoảng 28,5 độ C.",
    "Thành phố Hồ Chí Minh đón hơn 1.500.000 lượt khách du lịch trong tháng Tư.",
    "Ngân hàng Nhà nước vừa công bố giảm lãi suất điều hành thêm 0,5 điểm phần trăm.",
    "Bộ Y tế khuyến cáo người dân tiêm vắc xin phòng cúm trước mùa đông.",
    "Giá xăng RON 95 tăng 320 đồng mỗi lít từ 15 giờ chiều nay.",
    "Đội tuyển bóng đá Việt Nam thắng Thái Lan với tỷ số 2-1 tại Mỹ Đình.",
    "Xuất khẩu gạo của Việt Nam đạt 7,8 triệu tấn trong năm 2023.",
    "Cơn bão số 3 đổ bộ vào các tỉnh Quảng Ninh và Hải Phòng vào sáng thứ Bảy.",
    "Hàng nghìn học sinh tham dự kỳ thi tốt nghiệp trung học phổ thông năm nay.",
    "Chính phủ đặt mục tiêu tăng trưởng GDP khoảng 6,5% cho năm tới.",
    "Tuyến metro số 1 Bến Thành – Suối Tiên chở khoảng 35.000 hành khách mỗi ngày.",
    "Ủy ban nhân dân tỉnh Đà Nẵng phê duyệt dự án cải tạo bãi biển Mỹ Khê.",
    "Người nông dân ở Đồng bằng sông Cửu Long lo lắng vì hạn mặn kéo dài.",
    "Giá vàng miếng SJC được niêm yết ở mức 82,3 triệu đồng mỗi lượng.",
    "Bệnh viện Bạch Mai tiếp nhận 120 ca cấp cứu trong dịp nghỉ lễ.",
    "Các nhà khoa học Việt Nam phát hiện một loài ếch mới ở vùng núi phía Bắc.",
    "Quốc hội thông qua luật đất đai sửa đổi với 88% đại biểu tán thành.",
    "Công ty cổ phần Vinamilk báo lãi ròng 2.450 tỷ đồng trong quý hai.",
    "Lễ hội pháo hoa quốc tế Đà Nẵng thu hút hàng trăm nghìn người xem.",
    "Sân bay Long Thành dự kiến đi vào hoạt động vào cuối năm 2026.",
    "Thủ tướng yêu cầu các bộ, ngành đẩy nhanh giải ngân vốn đầu tư công.",
    "Trận lũ quét ở Lào Cai khiến 12 người mất tích và nhiều ngôi nhà bị cuốn trôi.",
    "Chỉ số VN-Index tăng 15,7 điểm, lên mức 1.287 điểm khi đóng cửa.",
    "Học sinh Việt Nam giành bốn huy chương vàng tại Olympic Toán học quốc tế.",
    "Ông Nguyễn Văn Hùng, 45 tuổi, cho biết gia đình ông sống bằng nghề đánh cá.",
    "Giá thịt lợn hơi giảm xuống còn khoảng 55.000 đồng mỗi ki-lô-gam.",
    "Hội nghị thượng đỉnh ASEAN sẽ được tổ chức tại Hà Nội vào tháng Mười Một.",
    "Cảnh sát giao thông xử phạt hơn 3.000 trường hợp vi phạm nồng độ cồn.",
    "Nhà máy điện gió ngoài khơi đầu tiên của Việt Nam đã được khởi công.",
    "Tổng cục Thống kê cho biết lạm phát tháng Năm ở mức 3,2% so với cùng kỳ.",
    "Phố cổ Hội An được trang trí bằng hàng nghìn chiếc đèn lồng dịp Trung thu.",
    "Bà Trần Thị Lan, giám đốc sở, nói rằng dự án sẽ hoàn thành đúng hạn.",
    "Nắng nóng gay gắt ở miền Trung khiến nhiệt độ vượt quá 40 độ C.",
    "Ngành dệt may kỳ vọng đạt kim ngạch xuất khẩu 44 tỷ USD.",
    "Trường đại học Quốc gia Hà Nội công bố điểm chuẩn năm học mới.",
    "Ủy ban Chứng khoán phạt một doanh nghiệp 500 triệu đồng vì công bố sai thông tin.",
    "Mưa lớn khiến nhiều tuyến phố ở Huế ngập sâu từ 0,3 đến 0,8 mét.",
    "Du khách quốc tế đến Việt Nam trong sáu tháng đầu năm tăng 58,4%.",
    "Ô tô điện VinFast bắt đầu được bán tại thị trường Ấn Độ.",
    "Người dân Sài Gòn xếp hàng mua bánh mì từ sáu giờ sáng.",
)
EN_SENTENCES = (
    "Hanoi had showers and thunderstorms today, with a high of about 28.5 degrees Celsius.",
    "Ho Chi Minh City welcomed more than 1,500,000 tourist visits in April.",
    "The State Bank has just announced a further 0.5 percentage point cut in policy rates.",
    "The Ministry of Health urges people to get a flu vaccine before winter.",
    "The price of RON 95 petrol rises by 320 dong per litre from 3 p.m. today.",
    "Vietnam's national football team beat Thailand 2-1 at My Dinh stadium.",
    "Vietnam's rice exports reached 7.8 million tonnes in 2023.",
    "Storm No. 3 made landfall in Quang Ninh and Hai Phong on Saturday morning.",
    "Thousands of students sat the high school graduation exam this year.",
    "The government is targeting GDP growth of about 6.5% next year.",
    "Metro Line 1 from Ben Thanh to Suoi Tien carries about 35,000 passengers a day.",
    "The Da Nang People's Committee approved a project to upgrade My Khe beach.",
    "Farmers in the Mekong Delta are worried about prolonged drought and salinity.",
    "SJC gold bars were listed at 82.3 million dong per tael.",
    "Bach Mai Hospital received 120 emergency cases during the holiday.",
    "Vietnamese scientists discovered a new frog species in the northern mountains.",
    "The National Assembly passed the amended land law with 88% of deputies in favour.",
    "Vinamilk reported a net profit of 2,450 billion dong in the second quarter.",
    "The Da Nang International Fireworks Festival drew hundreds of thousands of viewers.",
    "Long Thanh airport is expected to open at the end of 2026.",
    "The prime minister asked ministries to speed up public investment spending.",
    "A flash flood in Lao Cai left 12 people missing and swept away many houses.",
    "The VN-Index rose 15.7 points to close at 1,287 points.",
    "Vietnamese students won four gold medals at the International Mathematical Olympiad.",
    "Mr. Nguyen Van Hung, 45, said his family makes a living from fishing.",
    "Live pig prices fell to about 55,000 dong per kilogram.",
    "The ASEAN summit will be held in Hanoi in November.",
    "Traffic police fined more than 3,000 drivers for drink-driving.",
    "Construction has started on Vietnam's first offshore wind farm.",
    "The General Statistics Office said inflation in May was 3.2% year on year.",
    "Hoi An's old town is decorated with thousands of lanterns for the Mid-Autumn Festival.",
    "Ms. Tran Thi Lan, the department director, said the project would finish on time.",
    "A severe heatwave in central Vietnam pushed temperatures above 40 degrees Celsius.",
    "The textile and garment industry hopes to reach export turnover of $44 billion.",
    "Vietnam National University, Hanoi, announced its admission scores for the new year.",
    "The Securities Commission fined a company 500 million dong for false disclosures.",
    "Heavy rain flooded many streets in Hue to a depth of 0.3 to 0.8 metres.",
    "International arrivals to Vietnam in the first six months rose by 58.4%.",
    "VinFast electric cars have gone on sale in the Indian market.",
    "Saigon residents queue to buy banh mi from six o'clock in the morning.",
)
BUILTIN_CORPUS: tuple[str, ...] = VI_SENTENCES + EN_SENTENCES


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence transformers' logger and warnings (the factory must not print)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # save_pretrained shows a tqdm bar otherwise
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def _training_text(corpus: Sequence[str] | None, extra: Sequence[str] = ()) -> list[str]:
    lines = list(BUILTIN_CORPUS if corpus is None else corpus)
    return [line for line in (*lines, *extra, *_ALPHABET_LINES) if line.strip()]


def _train_spm(
    lines: Sequence[str],
    model_file: Path,
    *,
    model_type: str = "unigram",
    ids: tuple[int, int, int, int] = (0, 1, 2, -1),
    pieces: tuple[str, str, str, str] = ("<unk>", "<s>", "</s>", "<pad>"),
    user_symbols: Sequence[str] = (),
    byte_fallback: bool = False,
) -> Path:
    """Train a sentencepiece model; ``ids``/``pieces`` are (unk, bos, eos, pad)."""
    unk, bos, eos, pad = ids
    # sentencepiece logs to stderr unless handed a real file (it needs a fileno).
    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as log:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_prefix=str(Path(tmp) / "m"),
            model_type=model_type,
            vocab_size=TINY_VOCAB,
            hard_vocab_limit=False,
            character_coverage=1.0,
            byte_fallback=byte_fallback,
            unk_id=unk,
            bos_id=bos,
            eos_id=eos,
            pad_id=pad,
            unk_piece=pieces[0],
            bos_piece=pieces[1],
            eos_piece=pieces[2],
            pad_piece=pieces[3],
            user_defined_symbols=list(user_symbols),
            # Keep digits/punctuation splits like the real models: "28,5" -> "28" "," "5".
            split_digits=True,
            num_threads=1,
            logstream=log,
        )
        model_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "m.model", model_file)
    return model_file


def _spm_pieces(model_file: Path) -> list[str]:
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


def _filler(i: int, space: str = "\u2581") -> str:
    """Filler token for id ``i``: decodes to the word " w<i>".

    ``space`` is the tokenizer's word-start marker ("▁" sentencepiece, "Ġ" byte-level), so
    the decoder turns it into a space. Fillers are deliberately *not* special: a random
    real-size model mostly emits filler ids, and benchmarks should see decoded text of a
    realistic length rather than "" after ``skip_special_tokens=True``. Input text never
    produces them (it would have to contain the marker character itself).
    """
    return f"{space}w{i}"


def _pad_vocab_json(vocab: dict[str, int], size: int) -> dict[str, int]:
    """Fill every id below ``size`` that has no piece with a filler (Marian vocab.json)."""
    taken = set(vocab.values())
    for i in range(size):
        if i not in taken:
            vocab[_filler(i)] = i
    return vocab


def _pad_backend_tokenizer(tokenizer: Any, size: int, space: str = "\u2581") -> None:
    """Append filler tokens to a tokenizers-backend tokenizer until it has ``size`` ids."""
    start = len(tokenizer)
    if start < size:
        tokenizer.add_tokens([_filler(i, space) for i in range(start, size)])


def _keep_spm(src_dir: str, out_dir: Path, name: str) -> None:
    """Ship the sentencepiece model too, as the Hub repos do (tokenizer.json wins on load)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(Path(src_dir) / name, out_dir / name)


def _tiny_dims() -> dict[str, int]:
    return dict(TINY)


def _bart_shape(dims: dict[str, int], encoder_layers: int | None = None,
                decoder_layers: int | None = None) -> dict[str, int]:
    """Size keywords shared by the BART-style configs (Marian, mBART, M2M100, BART, Pegasus)."""
    return {
        "d_model": dims["d_model"],
        "encoder_layers": encoder_layers if encoder_layers is not None else dims["layers"],
        "decoder_layers": decoder_layers if decoder_layers is not None else dims["layers"],
        "encoder_attention_heads": dims["heads"],
        "decoder_attention_heads": dims["heads"],
        "encoder_ffn_dim": dims["ffn"],
        "decoder_ffn_dim": dims["ffn"],
        "max_position_embeddings": dims["positions"],
    }


def _save(
    model: Any,
    tokenizer: Any,
    out_dir: Path,
    generation: dict[str, Any],
) -> Path:
    from transformers import GenerationConfig

    model.generation_config = GenerationConfig(**generation)
    model.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    return out_dir


# --------------------------------------------------------------------------- families


def _build_marian(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out_dir.mkdir(parents=True, exist_ok=True)
    lines = _training_text(corpus)
    # opus-mt ships separate source/target models over one shared vocab.json.
    src = _train_spm(lines, out_dir / "source.spm", byte_fallback=True)
    shutil.copyfile(src, out_dir / "target.spm")
    # opus-mt vocab.json: "</s>"=0, "<unk>"=1, pieces..., "<pad>"=last (pad = decoder start).
    vocab: dict[str, int] = {"</s>": 0, "<unk>": 1}
    for piece in _spm_pieces(src):
        vocab.setdefault(piece, len(vocab))
    del vocab["<s>"]  # Marian has no BOS; re-number densely below
    vocab = {piece: i for i, piece in enumerate(vocab)}
    if size == "real":
        vocab_size = 53685
        vocab = _pad_vocab_json(vocab, vocab_size - 1)
    else:
        vocab_size = len(vocab) + 1
    pad_id = vocab_size - 1
    vocab["<pad>"] = pad_id
    _write_json(out_dir / "vocab.json", vocab)
    tokenizer = MarianTokenizer(
        source_spm=str(out_dir / "source.spm"),
        target_spm=str(out_dir / "target.spm"),
        vocab=str(out_dir / "vocab.json"),
        source_lang="vi",
        target_lang="en",
        model_max_length=512,
    )
    if size == "real":
        dims = {"d_model": 512, "layers": 6, "heads": 8, "ffn": 2048, "positions": 512}
    else:
        dims = _tiny_dims()
    config = MarianConfig(
        vocab_size=vocab_size,
        decoder_vocab_size=vocab_size,
        **_bart_shape(dims),
        activation_function="swish",
        scale_embedding=True,
        share_encoder_decoder_embeddings=True,
        tie_word_embeddings=True,
        pad_token_id=pad_id,
        eos_token_id=0,
        bos_token_id=0,
        decoder_start_token_id=pad_id,
        forced_eos_token_id=0,
    )
    model = MarianMTModel(config)
    generation = {
        "bos_token_id": 0,
        "eos_token_id": 0,
        "forced_eos_token_id": 0,
        "pad_token_id": pad_id,
        "decoder_start_token_id": pad_id,
        "bad_words_ids": [[pad_id]],
        "num_beams": 4,
        "max_length": 512,
    }
    return _save(model, tokenizer, out_dir, generation)


def _build_t5(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

    # envit5 is trained on "vi: ..." / "en: ..." text, so the prefixes are common pieces.
    base = list(BUILTIN_CORPUS if corpus is None else corpus)
    lines = _training_text([f"vi: {s}" for s in base] + [f"en: {s}" for s in base])
    with tempfile.TemporaryDirectory() as tmp:
        # T5 sentencepiece layout: <pad>=0, </s>=1, <unk>=2, no BOS.
        _train_spm(
            lines,
            Path(tmp) / "spiece.model",
            ids=(2, -1, 1, 0),
            pieces=("<unk>", "<s>", "</s>", "<pad>"),
        )
        tokenizer = T5Tokenizer.from_pretrained(tmp, extra_ids=100, model_max_length=512)
        _keep_spm(tmp, out_dir, "spiece.model")
    if size == "real":
        # T5-base shape (envit5-translation); vocab rounded up like the Hub checkpoint.
        vocab_size = 50048
        _pad_backend_tokenizer(tokenizer, vocab_size)
        dims = {"d_model": 768, "layers": 12, "heads": 12, "ffn": 3072, "d_kv": 64}
    else:
        vocab_size = len(tokenizer)
        dims = {**_tiny_dims(), "d_kv": 8}
    config = T5Config(
        vocab_size=vocab_size,
        d_model=dims["d_model"],
        d_kv=dims["d_kv"],
        d_ff=dims["ffn"],
        num_layers=dims["layers"],
        num_decoder_layers=dims["layers"],
        num_heads=dims["heads"],
        feed_forward_proj="relu",
        tie_word_embeddings=True,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    model = T5ForConditionalGeneration(config)
    generation = {
        "pad_token_id": 0,
        "eos_token_id": 1,
        "decoder_start_token_id": 0,
        "max_length": 512,
    }
    return _save(model, tokenizer, out_dir, generation)


def _build_mbart50(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import MBart50Tokenizer, MBartConfig, MBartForConditionalGeneration

    _require_tiny("mbart50", size)
    with tempfile.TemporaryDirectory() as tmp:
        # fairseq sentencepiece layout (<unk>=0, <s>=1, </s>=2); the tokenizer reorders
        # to <s>=0, <pad>=1, </s>=2, <unk>=3 and appends the 52 language codes + <mask>.
        _train_spm(_training_text(corpus), Path(tmp) / "sentencepiece.bpe.model")
        tokenizer = MBart50Tokenizer.from_pretrained(
            tmp, src_lang="vi_VN", tgt_lang="en_XX", model_max_length=TINY["positions"]
        )
        _keep_spm(tmp, out_dir, "sentencepiece.bpe.model")
    d = _tiny_dims()
    config = MBartConfig(
        vocab_size=len(tokenizer),
        **_bart_shape(d),
        scale_embedding=True,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
    )
    model = MBartForConditionalGeneration(config)
    generation = {
        "bos_token_id": 0,
        "pad_token_id": 1,
        "eos_token_id": 2,
        "decoder_start_token_id": 2,
        "forced_eos_token_id": 2,
        "max_length": 512,
    }
    return _save(model, tokenizer, out_dir, generation)


def _m2m_config(vocab_size: int) -> Any:
    from transformers import M2M100Config

    d = _tiny_dims()
    return M2M100Config(
        vocab_size=vocab_size,
        **_bart_shape(d),
        scale_embedding=True,
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
    )


_M2M_GENERATION = {
    "bos_token_id": 0,
    "pad_token_id": 1,
    "eos_token_id": 2,
    "decoder_start_token_id": 2,
    "max_length": 200,
}


def _build_m2m100(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import M2M100ForConditionalGeneration, M2M100Tokenizer
    from transformers.models.m2m_100.tokenization_m2m_100 import (
        FAIRSEQ_LANGUAGE_CODES as M2M100_LANGUAGE_CODES,
    )

    _require_tiny("m2m100", size)
    out_dir.mkdir(parents=True, exist_ok=True)
    spm_file = _train_spm(
        _training_text(corpus), out_dir / "sentencepiece.bpe.model", byte_fallback=True
    )
    # fairseq dictionary: <s>=0, <pad>=1, </s>=2, <unk>=3, pieces...; the tokenizer puts
    # the 100 "__xx__" language tokens right after it.
    vocab: dict[str, int] = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
    for piece in _spm_pieces(spm_file):
        vocab.setdefault(piece, len(vocab))
    _write_json(out_dir / "vocab.json", vocab)
    codes = [f"__{c}__" for c in M2M100_LANGUAGE_CODES["m2m100"]]
    tokenizer = M2M100Tokenizer(
        vocab_file=str(out_dir / "vocab.json"),
        spm_file=str(spm_file),
        src_lang="vi",
        tgt_lang="en",
        # v5 only marks "__xx__" special when they come as extra_special_tokens (as the Hub
        # tokenizer_config's additional_special_tokens are converted on load); otherwise
        # decode(skip_special_tokens=True) keeps "__en__" in the text.
        extra_special_tokens=codes,
        model_max_length=TINY["positions"],
    )
    # Like the real checkpoint, the embedding also covers the 8 "madeupword" ids.
    config = _m2m_config(len(tokenizer) + tokenizer.num_madeup_words)
    model = M2M100ForConditionalGeneration(config)
    return _save(model, tokenizer, out_dir, _M2M_GENERATION)


def _build_nllb(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import M2M100ForConditionalGeneration, NllbTokenizer
    from transformers.models.nllb.tokenization_nllb import (
        FAIRSEQ_LANGUAGE_CODES as NLLB_LANGUAGE_CODES,
    )

    _require_tiny("nllb", size)
    with tempfile.TemporaryDirectory() as tmp:
        # NLLB's sentencepiece model is BPE; the tokenizer rebuilds vocab + merges from it.
        _train_spm(_training_text(corpus), Path(tmp) / "sentencepiece.bpe.model", model_type="bpe")
        tokenizer = NllbTokenizer.from_pretrained(
            tmp,
            src_lang="vie_Latn",
            tgt_lang="eng_Latn",
            # Without this, v5's from_pretrained path passes its own extra_special_tokens and
            # the 202 language codes never enter the vocabulary ("vie_Latn" -> <unk>).
            extra_special_tokens=list(NLLB_LANGUAGE_CODES),
            model_max_length=TINY["positions"],
        )
        _keep_spm(tmp, out_dir, "sentencepiece.bpe.model")
    model = M2M100ForConditionalGeneration(_m2m_config(len(tokenizer)))
    return _save(model, tokenizer, out_dir, _M2M_GENERATION)


def _build_bart(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from tokenizers import ByteLevelBPETokenizer
    from transformers import BartConfig, BartForConditionalGeneration, BartTokenizer

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    # GPT-2/RoBERTa layout: <s>=0, <pad>=1, </s>=2, <unk>=3 ... <mask>=last.
    bpe.train_from_iterator(
        _training_text(corpus),
        vocab_size=TINY_VOCAB,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>"],
        show_progress=False,
    )
    with tempfile.TemporaryDirectory() as tmp:
        bpe.save_model(tmp)
        vocab = json.loads((Path(tmp) / "vocab.json").read_text(encoding="utf-8"))
        vocab["<mask>"] = len(vocab)
        _write_json(Path(tmp) / "vocab.json", vocab)
        max_len = 1024 if size == "real" else TINY["positions"]
        tokenizer = BartTokenizer.from_pretrained(tmp, model_max_length=max_len)
    if size == "real":
        # distilbart-cnn-12-6: config vocab 50264 (the Hub tokenizer has 50265 with <mask>).
        vocab_size = 50264
        _pad_backend_tokenizer(tokenizer, vocab_size, space="\u0120")  # "Ġ"
        dims = {"d_model": 1024, "enc": 12, "dec": 6, "heads": 16, "ffn": 4096, "positions": 1024}
    else:
        vocab_size = len(tokenizer)
        d = _tiny_dims()
        dims = {**d, "enc": d["layers"], "dec": d["layers"]}
    config = BartConfig(
        vocab_size=vocab_size,
        **_bart_shape(dims, dims["enc"], dims["dec"]),
        bos_token_id=0,
        pad_token_id=1,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_bos_token_id=0,
        forced_eos_token_id=2,
    )
    model = BartForConditionalGeneration(config)
    # distilbart-cnn-12-6 summarization defaults.
    generation = {
        "bos_token_id": 0,
        "pad_token_id": 1,
        "eos_token_id": 2,
        "decoder_start_token_id": 2,
        "forced_bos_token_id": 0,
        "forced_eos_token_id": 2,
        "num_beams": 4,
        "max_length": 142,
        "min_length": 56,
        "length_penalty": 2.0,
        "no_repeat_ngram_size": 3,
        "early_stopping": True,
    }
    return _save(model, tokenizer, out_dir, generation)


def _build_pegasus(out_dir: Path, size: str, corpus: Sequence[str] | None) -> Path:
    from transformers import PegasusConfig, PegasusForConditionalGeneration, PegasusTokenizer

    _require_tiny("pegasus", size)
    base = list(BUILTIN_CORPUS if corpus is None else corpus)
    # pegasus-cnn_dailymail writes "<n>" between summary sentences; make it one piece.
    lines = _training_text(base, extra=[" <n> ".join(EN_SENTENCES[i : i + 3]) for i in (0, 3, 6)])
    with tempfile.TemporaryDirectory() as tmp:
        # Pegasus sentencepiece layout: <pad>=0, </s>=1, <unk>=2 (offset 103 specials follow).
        _train_spm(lines, Path(tmp) / "spiece.model", ids=(2, -1, 1, 0), user_symbols=["<n>"])
        tokenizer = PegasusTokenizer.from_pretrained(tmp, model_max_length=TINY["positions"])
        _keep_spm(tmp, out_dir, "spiece.model")
    d = _tiny_dims()
    config = PegasusConfig(
        vocab_size=len(tokenizer),
        **_bart_shape(d),
        scale_embedding=True,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
        forced_eos_token_id=1,
    )
    model = PegasusForConditionalGeneration(config)
    # pegasus-cnn_dailymail summarization defaults.
    generation = {
        "pad_token_id": 0,
        "eos_token_id": 1,
        "decoder_start_token_id": 0,
        "forced_eos_token_id": 1,
        "num_beams": 8,
        "max_length": 128,
        "min_length": 32,
        "length_penalty": 0.8,
    }
    return _save(model, tokenizer, out_dir, generation)


def _require_tiny(family: str, size: str) -> None:
    if size != "tiny":
        raise ValueError(f"size={size!r} is only available for {REAL_SIZE_FAMILIES}, not {family}")


_BUILDERS: dict[str, Callable[[Path, str, Sequence[str] | None], Path]] = {
    "marian": _build_marian,
    "t5": _build_t5,
    "mbart50": _build_mbart50,
    "m2m100": _build_m2m100,
    "nllb": _build_nllb,
    "bart": _build_bart,
    "pegasus": _build_pegasus,
}


# --------------------------------------------------------------------------- public API


def build_model(
    family: str,
    out_dir: Path,
    *,
    size: str = "tiny",
    corpus: Sequence[str] | None = None,
    seed: int = 0,
) -> Path:
    """Build a random-weight ``family`` model + tokenizer into ``out_dir``; return it.

    ``corpus`` trains the tokenizer (default: the built-in Vietnamese/English news lines);
    the Vietnamese alphabet is always added so no Vietnamese letter becomes ``<unk>``.
    ``seed`` fixes the random weights. ``size="real"`` is for marian, t5 and bart only.
    """
    if family not in _BUILDERS:
        raise ValueError(f"unknown family {family!r}; expected one of {FAMILIES}")
    if size not in SIZES:
        raise ValueError(f"unknown size {size!r}; expected one of {SIZES}")
    torch.manual_seed(seed)
    with _quiet():
        return _BUILDERS[family](Path(out_dir), size, corpus)


def build_all(root: Path, size: str = "tiny") -> dict[str, Path]:
    """Build every family (for ``size="real"``: every family that has one) under ``root``."""
    families = FAMILIES if size == "tiny" else REAL_SIZE_FAMILIES
    return {f: build_model(f, Path(root) / f, size=size) for f in families}


__all__ = [
    "BUILTIN_CORPUS",
    "FAMILIES",
    "REAL_SIZE_FAMILIES",
    "VIETNAMESE_LETTERS",
    "build_all",
    "build_model",
]
