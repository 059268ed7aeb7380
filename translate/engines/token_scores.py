"""Sentence scores from transformers' ``generate`` without keeping every step's scores.

The score of an output is the mean log-probability of the tokens the search chose, as the
search saw them (after the logits processors: repetition penalty, banned n-grams). transformers
gives it only with ``output_scores=True``, which keeps a copy of every step's scores over the
whole vocabulary: 32 sentences x 4 beams x 60 steps x Marian's 53,685 tokens is 1.6 GB. And
scoring the outputs again with one more forward pass cost 23% more time on a CPU (greedy, 32
sentences x 40 tokens, the real-size Marian: 26.5 s against 21.6 s).

:class:`ChosenTokenScores` is a logits processor placed after generate's own, so it sees each
step's final scores, and keeps only what the chosen tokens need (+1% in the same measurement):

* greedy search: each row's best token is the one chosen, so its log-probability is kept at
  once (the processed scores are logits there: the maximum minus their log-sum-exp);
* beam search: processors receive log-probabilities, but which rows continue, with which
  token, is decided after them. The step's tensor is held until the next step, whose inputs
  end with the chosen tokens; the values of those tokens (and of EOS, which ends a hypothesis
  instead of continuing it) are gathered for every row of the same sentence, and the step's
  tensor is let go. ``beam_indices`` then tells, for each step of the best hypothesis, which
  row its token came from.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import torch
from transformers import LogitsProcessor

logger = logging.getLogger(__name__)


class ChosenTokenScores(LogitsProcessor):
    """Collects, during one ``generate`` call, what :meth:`means` needs.

    ``eos_ids``: the tokens that end a hypothesis. One instance per call.
    """

    def __init__(self, num_beams: int, eos_ids: Sequence[int]) -> None:
        self.num_beams = max(1, num_beams)
        self.eos_ids = torch.tensor(list(eos_ids), dtype=torch.long)
        self.steps = 0
        self._greedy: list[torch.Tensor] = []  # per step: (rows,) log-prob of the argmax
        self._candidates: list[torch.Tensor] = []  # beam, per step: (batch, beams + eos) ids
        self._values: list[torch.Tensor] = []  # beam, per step: (batch, beams, beams + eos)
        self._last: torch.Tensor | None = None  # beam: the latest step's (rows, vocab)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        self.steps += 1
        if self.num_beams == 1:
            values = scores.float()
            self._greedy.append(values.max(dim=-1).values - torch.logsumexp(values, dim=-1))
        else:
            if self._last is not None:
                self._keep_chosen(input_ids[:, -1])
            # Not a copy: beam search adds the running scores into a new tensor, so this one is
            # left as the processors made it.
            self._last = scores
        return scores

    def _keep_chosen(self, chosen: torch.Tensor) -> None:
        """The previous step's values of the tokens then chosen (now ending each row's
        input) and of EOS, for every row of the same sentence."""
        last = self._last
        assert last is not None
        beams = self.num_beams
        batch = last.shape[0] // beams
        eos = self.eos_ids.to(chosen.device)
        candidates = torch.cat([chosen.view(batch, beams), eos.expand(batch, -1)], dim=1)
        index = candidates[:, None, :].expand(batch, beams, candidates.shape[1])
        self._values.append(last.view(batch, beams, -1).gather(2, index).float())
        self._candidates.append(candidates)
        self._last = None

    def means(self, sequences: torch.Tensor, beam_indices: torch.Tensor | None, *,
              forced_last: int | None) -> list[float | None]:
        """Each output's mean log-probability per token.

        ``forced_last``: the output length at which generate forces EOS, or None; that EOS is
        left out, as CTranslate2 never writes it (it stops one token earlier). A forced first
        token (a target language) counts, with log-probability 0, as in CTranslate2, whose
        scores count its target prefix: the two engines give the same score for the same
        output. A value that cannot be recovered is None, with a warning: never a made-up
        score.
        """
        if self.num_beams == 1:
            values, valid = self._greedy_values(sequences)
        else:
            if beam_indices is None:
                raise ValueError("beam search scores need the output's beam_indices")
            values, valid = self._beam_values(sequences, beam_indices)
        generated = sequences[:, sequences.shape[1] - values.shape[1]:]
        lengths = valid.sum(dim=1)
        if forced_last is not None:
            rows = torch.arange(valid.shape[0])
            last = (lengths - 1).clamp(min=0)
            forced = (lengths == forced_last) & torch.isin(generated[rows, last],
                                                           self.eos_ids.to(generated.device))
            valid[rows[forced], last[forced]] = False
        counts = valid.sum(dim=1)
        finite = torch.isfinite(values) | ~valid
        totals = torch.where(valid, values, torch.zeros_like(values)).sum(dim=1)
        means: list[float | None] = []
        for total, count, ok in zip(totals.tolist(), counts.tolist(), finite.all(dim=1).tolist(),
                                    strict=True):
            means.append(total / count if count and ok else None)
        if any(m is None for m in means):
            logger.warning("%d of %d output score(s) could not be recovered",
                           sum(m is None for m in means), len(means))
        return means

    def _greedy_values(self, sequences: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(rows, steps) values, and which steps belong to the output (up to its first EOS:
        a finished row goes on being padded)."""
        values = torch.stack(self._greedy, dim=1).cpu()
        generated = sequences[:, sequences.shape[1] - values.shape[1]:].cpu()
        is_eos = torch.isin(generated, self.eos_ids)
        # Steps after the first EOS: a running count of EOS seen before each step.
        before = torch.cumsum(is_eos.long(), dim=1) - is_eos.long()
        return values, before == 0

    def _beam_values(self, sequences: torch.Tensor,
                     beam_indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(rows, steps) values of the best hypotheses, and which steps are theirs."""
        beam_indices = beam_indices.cpu().long()
        steps = beam_indices.shape[1]
        generated = sequences[:, sequences.shape[1] - steps:].cpu()
        rows = sequences.shape[0]
        valid = beam_indices >= 0
        values = torch.full((rows, steps), float("nan"))
        if self._last is not None and steps == len(self._values) + 1:
            # The final step's tensor was never followed by another call.
            last = valid[:, -1]
            values[last, -1] = self._last.float()[beam_indices[last, -1],
                                                  generated[last, -1]].cpu()
        kept = min(len(self._values), steps)
        if kept:
            held = torch.stack(self._values[:kept], dim=1).cpu()  # (batch, kept, beams, cand)
            candidates = torch.stack(self._candidates[:kept], dim=1).cpu()  # (batch, kept, cand)
            tokens = generated[:, :kept]
            match = candidates == tokens[..., None]
            column = match.int().argmax(dim=-1)
            offsets = torch.arange(rows)[:, None] * self.num_beams
            beam = (beam_indices[:, :kept] - offsets).clamp(min=0, max=self.num_beams - 1)
            picked = held[torch.arange(rows)[:, None], torch.arange(kept)[None, :], beam, column]
            # A token found among no candidate would be a misreading of generate's state:
            # NaN, so that the output gets no score rather than a wrong one.
            picked[~match.any(dim=-1)] = float("nan")
            values[:, :kept] = torch.where(valid[:, :kept], picked, values[:, :kept])
        return values, valid


def eos_token_ids(generation_config: Any) -> list[int]:
    """The ids that end a hypothesis, from a model's generation config."""
    eos = generation_config.eos_token_id
    if eos is None:
        return []
    return [int(e) for e in eos] if isinstance(eos, (list, tuple)) else [int(eos)]
