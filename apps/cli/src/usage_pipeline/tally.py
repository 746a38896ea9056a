"""What one run did, collected from the stages' results for the closing summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from usage_fetcher import EndpointReport
from usage_normalizer import NormalizeResult
from usage_writer import WriteResult

__all__ = ["RunTally"]


@dataclass
class RunTally:
    fetched: list[EndpointReport] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    dead_letters: Counter[str] = field(default_factory=Counter)
    dead_letter_reasons: list[str] = field(default_factory=list)
    rows: dict[str, Counter[str]] = field(default_factory=dict)
    rows_by_kind: dict[tuple[str, str], Counter[str]] = field(default_factory=dict)
    dry_run: bool = False
    """The rows were counted, then rolled back: the summary says "would"."""

    def on_normalized(self, result: NormalizeResult) -> None:
        if result.dead_letter is not None:
            self.dead_letters[result.provider] += 1
            letter = result.dead_letter
            detail = "; ".join(letter.errors[:3])
            self.dead_letter_reasons.append(
                f"{letter.provider or 'unknown'} {letter.endpoint or ''}: {letter.reason}"
                + (f" ({detail})" if detail else "")
            )
        self.events[result.provider] += len(result.events)

    def on_written(self, result: WriteResult) -> None:
        for provider, counts in result.stats.by_provider.items():
            self.rows.setdefault(provider, Counter()).update(counts)
        for key, counts in result.stats.by_kind.items():
            self.rows_by_kind.setdefault(key, Counter()).update(counts)

    @property
    def failed(self) -> bool:
        return any(r.error for r in self.fetched) or sum(self.dead_letters.values()) > 0

    def lines(self) -> list[str]:
        out = []
        for r in self.fetched:
            status = f"error: {r.error}" if r.error else "ok"
            who = f"  [{r.credential_id}]" if r.credential_id else ""
            out.append(
                f"fetched     {r.provider:<10} {r.endpoint:<12} {r.pages:>4} page(s)  {status}{who}"
            )
        for provider in sorted(set(self.events) | set(self.dead_letters)):
            out.append(
                f"normalized  {provider:<10} {self.events[provider]:>6} event(s)"
                f"  {self.dead_letters[provider]} page(s) dead-lettered"
            )
        for reason in self.dead_letter_reasons[:10]:
            out.append(f"dead letter {reason}")
        for (kind, provider), c in sorted(self.rows_by_kind.items()):
            if self.dry_run:
                out.append(
                    f"dry run     {provider:<10} {c['inserted']:>6} would insert"
                    f"  {c['updated']} would update  {c['unchanged']} unchanged"
                    f"  {c['stale']} stale  ({kind} rows)"
                )
            else:
                out.append(
                    f"written     {provider:<10} {c['inserted']:>6} inserted"
                    f"  {c['updated']} updated  {c['unchanged']} unchanged"
                    f"  {c['stale']} stale  ({kind} rows)"
                )
        if self.dry_run:
            out.append("dry run: nothing was written")
        return out
