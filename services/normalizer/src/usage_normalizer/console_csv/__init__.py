"""Console CSV exports -> canonical events, with `source="console_csv"`.

Usage:
    events = read_csv_events("anthropic", "usage", text, organization_id="acme",
                             fetched_at=utc_now())
    CSV_MAPPERS[("anthropic", "usage_csv")](raw_page)  # body = header + rows

Exports read (every header version of docs/reference provider-apis.md §3; see
`_formats.py` for the columns of each):

| provider, kind   | endpoint    | one row ->                                               |
|------------------|-------------|----------------------------------------------------------|
| anthropic usage  | `usage_csv` | UsageEvent `messages`, bucket from usage_date_utc       |
| anthropic cost   | `cost_csv`  | CostEvent, amount in dollars, API token/cost type names  |
| openai usage     | `usage_csv` | UsageEvent `completions`, width from end - start        |
| openai cost      | `cost_csv`  | CostEvent                                                |

Decisions:
- **Names instead of ids.** Anthropic console files name keys and workspaces. The name
  goes in the id field (`api_key_id`, `project_id`), and `dimensions` says so:
  `{"api_key_name": name}`, `{"workspace_name": name}` (OpenAI: `project_name`,
  `user_email`). The dimension is present exactly when the id field holds a name, so a
  name is never mistaken for an id, and the dimension is part of the identity. When a
  file has the id too (Anthropic cost `api_key_id`, OpenAI `project_id`), the id is used
  and the name is left out of the identity: renaming a key must not re-key its history.
  Rows from name-keyed and id-keyed files of the same data therefore do not dedupe with
  each other (nor with the admin API, whose rows have `source="admin_api"`).
- **Default workspace.** Workspace `Default` (or empty) is the default workspace, which
  the API reports as null: `project_id` null.
- **Display names** in Anthropic cost files (`Claude Haiku 4.5`) become model ids
  (`claude-haiku-4-5`) by a slug rule plus a small table of exceptions
  (`_model_names.py`).
- **Spellings.** Counts may be written `10.0` (a whole float is accepted, `10.5` is
  refused); `TRUE`/`FALSE`; `≤ 200k` / `> 200k` -> `0-200k` / `200k-1M`; cost CSV
  `token_type` -> the API's (`input_no_cache` -> `uncached_input_tokens`, ...,
  `input_cache_write_1h` -> `cache_creation.ephemeral_1h_input_tokens`) and
  `cost_type` `token` -> `tokens` (inferred as `tokens` for the oldest header, which has
  no cost_type, when a token_type is set); the oldest Anthropic usage header's single
  `usage_input_tokens_cache_write` stays unsplit (5m = 1h = 0).
- **Bucket width.** Anthropic: dates -> 1d; timestamps (`2026-03-31 02:00`, hourly
  exports) -> 1h, or 1m if some are not on the hour. OpenAI: end - start.
- **Columns read but not stored:** Anthropic `api_key_status` (a property of the key; in
  the identity it would re-key rows when a key is archived), OpenAI `organization_id` /
  `organization_name` (the tenant is the caller's `organization_id`), and names next to
  their ids. Anthropic cost `usage_type` (`message`) goes to `dimensions["usage_type"]`,
  `speed` to `dimensions["speed"]`; OpenAI cost `user_id` and `api_source` to
  `dimensions` (CostEvent has no user field).
- **Empty OpenAI buckets** (only the four time columns filled) give no event.
- **One identity, two rows.** Refused, as the normalizer refuses API pages with two
  results of one identity: one would overwrite the other downstream. The exception is a
  name-keyed identity (two keys, or workspaces, with one name, such as a deleted key and
  its namesake): those rows are legitimately additive and are summed into one event
  (`amount_reported` then reads `0.05+0.07`). Two *identical* rows are refused even then:
  that is a file pasted twice.
- **Unknown columns are refused by name**; a header that is not a listed version but has
  only known columns and the required ones is read (`CsvExport.detected.version` None).

Errors are `usage_common.InvalidPayloadError`, naming the row (the file's line number,
the header being 1) and column.
"""

from ._formats import FORMATS, Detected, ExportFormat, HeaderVersion, detect_export
from ._model_names import DISPLAY_NAMES, model_id
from ._reader import (
    CSV_MAPPERS,
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_ROWS,
    CsvChunk,
    CsvExport,
    CsvMapper,
    read_csv_events,
    read_csv_export,
)

__all__ = [
    "CSV_MAPPERS",
    "DEFAULT_CHUNK_BYTES",
    "DEFAULT_CHUNK_ROWS",
    "DISPLAY_NAMES",
    "FORMATS",
    "CsvChunk",
    "CsvExport",
    "CsvMapper",
    "Detected",
    "ExportFormat",
    "HeaderVersion",
    "detect_export",
    "model_id",
    "read_csv_events",
    "read_csv_export",
]
