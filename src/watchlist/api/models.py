"""Request and response bodies. Shapes follow OpenSanctions' yente where it has one."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

from watchlist.api.screening import MATCH_SCHEMATA
from watchlist.sources.registry import SOURCES


class VersionRef(BaseModel):
    """A list version that answered a request."""

    source: str = Field(description="The source id, e.g. un_sc_sanctions.")
    version: int = Field(description="The version number within the source (1, 2, ...).")
    published: str | None = Field(description="The publisher's date of that version.")
    sha256: str = Field(description="SHA-256 of the version's raw files.")
    bundled: str | None = Field(
        default=None, exclude_if=lambda v: v is None,
        description="Only for a version imported from the snapshots bundled with watchlist: "
                    "the snapshot's date. Such a version is not the publisher's current list.")
    notice: str | None = Field(
        default=None, exclude_if=lambda v: v is None,
        description="Only for a bundled snapshot: `bundled snapshot of DATE, not the "
                    "publisher's current list`.")


class ErrorResponse(BaseModel):
    """Every error has this shape."""

    detail: str = Field(description="What is wrong, in a sentence.")
    status: int = Field(description="The HTTP status code, repeated.")
    errors: list[dict[str, Any]] | None = Field(
        default=None, description="Request validation errors one by one (422).")
    status_url: str | None = Field(default=None, description="The update running (409).")
    status_now: str | None = Field(default=None, description="The alert's status now, when "
                                   "a decision expected another (409).")


_ERROR_TEXT = {
    400: "Malformed JSON or header.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not call this endpoint.",
    404: "Not found.",
    409: "A conflict: an update is already running, or the alert was decided meanwhile.",
    413: "Request body too large.",
    422: "An invalid parameter, body or query.",
    503: "No list is serving.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error codes, all with the error body."""
    return {code: {"model": ErrorResponse, "description": _ERROR_TEXT[code]} for code in codes}


class HealthResponse(BaseModel):
    status: Literal["ok", "ready", "degraded"]
    versions: list[VersionRef] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list, description=(
        "/readyz: why the service is degraded (a list stale, failing or held); empty "
        "when it is ready."))
    sources: list[dict[str, Any]] = Field(default_factory=list, description=(
        "/readyz: each serving list's ages (since its publisher's date and its last "
        "successful fetch), last update outcome and staleness."))


class SourceStatus(BaseModel):
    """A stored list version, as `watchlist status --json` shows it."""

    source: str
    version: int
    published: str | None
    published_from: str = Field(description=(
        "Where `published` came from: `file` (the file's own date), `newest listing date` "
        "(the file has none; its newest listing date stands in), `fetch time` (a download "
        "with neither), `none` (a local file with neither: `published` is null)."))
    fetched_at: str
    targets: int
    names: int
    entities: int
    sha256: str
    format: str
    current: bool
    warnings: int = Field(description="How many import warnings the version has.")
    bundled: str | None = Field(
        default=None, description="The snapshot's date when the version was imported from "
        "the snapshots bundled with watchlist (not the publisher's current list); else null.")
    notice: str | None = Field(
        default=None, description="`bundled snapshot of DATE, not the publisher's current "
        "list` for a bundled snapshot; else null.")
    held_at: str | None = Field(
        default=None, description="When the shrink guard held this version (stored, not "
        "served, until accepted); null for a version never held or since accepted.")


class HeldVersion(BaseModel):
    """A version the shrink guard holds: it removes more than `limit` of the targets of the
    version that keeps serving. `watchlist update --accept-shrink SOURCE` (or Accept on the
    Sources page) makes it current."""

    source: str
    version: int = Field(description="The held version.")
    targets: int
    serving_version: int = Field(description="The version that keeps serving.")
    serving_targets: int
    removed_share: float = Field(description="The share of the serving version's targets "
                                 "the held one lacks (0.9 = 90%).")
    limit: float = Field(description="The source's shrink limit when it was held (a share).")
    held_at: str
    accept: str = Field(description="The command that makes it current.")
    message: str


class SourcesResponse(BaseModel):
    sources: list[SourceStatus]
    held: list[HeldVersion] = Field(default_factory=list, description=(
        "Versions stored but held by the shrink guard, not served."))
    as_of: str | None = None
    versions: list[VersionRef]


class Designation(BaseModel):
    """One designation (FollowTheMoney Sanction) of a listed party."""

    id: str | None
    publisher: list[str] = Field(description="Who designated (FtM `authority`).")
    regime: list[str] = Field(description="The sanctions regime or programme (`program`).")
    reference: list[str] = Field(description="The publisher's reference for the listing "
                                 "(`authorityId`, `unscId`).")
    listing_date: list[str] = Field(description="When the party was listed (`listingDate`).")
    start_date: list[str] = Field(default_factory=list)
    end_date: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(description="The statement of reasons (`reason`).")
    provisions: list[str] = Field(default_factory=list)
    summary: list[str] = Field(default_factory=list)
    source_url: list[str] = Field(default_factory=list)
    properties: dict[str, list[Any]] = Field(description="Every property of the Sanction.")


class EntityResponse(BaseModel):
    """A listed party's full profile (yente's EntityResponse, plus designations)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    properties: dict[str, list[Any]] = Field(description="FollowTheMoney properties; entities "
                                             "that describe this one are nested, as in yente "
                                             "(e.g. `sanctions`, `addressEntity`).")
    datasets: list[str]
    target: bool
    designations: list[Designation]
    source: str
    version: int
    published: str | None
    versions: list[VersionRef]
    profile_id: str | None = Field(default=None, description="The profile (one real party) "
                                   "the records belong to.")
    referents: list[str] = Field(default_factory=list, description="The ids of the list "
                                 "records merged into this entity.")
    records: list[dict[str, Any]] = Field(default_factory=list, description="Each record "
                                          "merged, as this endpoint shows one record.")
    links: list[dict[str, Any]] = Field(default_factory=list, description="The evidence "
                                        "linking the records.")


class UpdateRequest(BaseModel):
    """Which sources to update (default: every source)."""

    model_config = ConfigDict(extra="forbid")

    sources: list[Annotated[str, WithJsonSchema({"type": "string", "enum": list(SOURCES)})]] \
        | None = Field(default=None, examples=[["un_sc_sanctions"]])


class UpdateOutcome(BaseModel):
    source: str
    status: str
    version: int
    message: str


class UpdateResult(BaseModel):
    ok: bool
    outcomes: list[UpdateOutcome]
    failures: list[str]
    skipped: list[str]
    notes: list[str]
    held: list[HeldVersion] = Field(default_factory=list, description=(
        "Versions this update stored but the shrink guard held: the versions serving stay "
        "current until they are accepted."))


class UpdateJob(BaseModel):
    """An update run by POST /updatez, and where it stands."""

    id: str
    status: Literal["running", "succeeded", "partial", "failed"] = Field(description=(
        "running; then succeeded, partial (some lists updated, others failed: `error` names "
        "both) or failed. A version stored but held by the shrink guard (not served) is "
        "listed in `result.held`, its outcome's status is `held`"))
    status_url: str
    requested_by: str
    sources: list[str] | None
    started_at: str
    finished_at: str | None = None
    result: UpdateResult | None = None
    progress: list[str] = Field(default_factory=list, description=(
        "While it runs: each download with its size so far, each file read, each list's "
        "outcome"))
    error: str | None = None
    versions: list[VersionRef] = Field(default_factory=list)


# -- screening (yente's /match and /search) ------------------------------------------------


class EntityExample(BaseModel):
    """What is known of a party to screen, as a FollowTheMoney entity (yente's example)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str | None = None
    schema_: str = Field(alias="schema", serialization_alias="schema",
                         examples=["Person"], description="Person, Organization, Company, "
                         "LegalEntity, Vessel, Airplane, PublicBody, or Thing (any kind).",
                         json_schema_extra={"enum": MATCH_SCHEMATA})
    properties: dict[str, list[str] | str] = Field(
        default_factory=dict,
        examples=[{"name": ["Ivan Petrovich Testovsky"], "birthDate": ["1961-07-14"],
                   "nationality": ["kp"], "idNumber": ["P0000001"]}],
        description="FtM properties of the schema. Names: name, alias, previousName, "
        "weakAlias (or firstName/lastName...); birthDate; nationality, citizenship, country, "
        "jurisdiction...; every identifier property (idNumber, passportNumber, "
        "registrationNumber, imoNumber...). Other valid properties are accepted and echoed.")


class MatchRequest(BaseModel):
    """A batch of queries, each under a key of the client's choosing."""

    model_config = ConfigDict(extra="forbid")

    queries: dict[str, EntityExample] = Field(
        min_length=1, description="Queries by key (at most WATCHLIST_API_MAX_BATCH, 100 "
        "unless configured); each answer comes back under the same key.")


class TotalSpec(BaseModel):
    value: int
    relation: Literal["eq", "gte"] = "eq"


class ScoredEntity(BaseModel):
    """A listed party that matched (yente's scored entity, plus watchlist's designations)."""

    model_config = ConfigDict(populate_by_name=True)

    id: str
    caption: str
    schema_: str = Field(alias="schema", serialization_alias="schema")
    properties: dict[str, list[Any]]
    datasets: list[str] = Field(description="The sources that designate the party.")
    target: bool = True
    score: float
    match: bool
    features: dict[str, float | None] = Field(description="Each feature's contribution.")
    explanations: dict[str, dict[str, Any]] = Field(
        description="Why it matched, feature by feature: score, weight, contribution, detail.")
    designations: list[dict[str, Any]] = Field(
        description="Every designation of the party: source, ref, regime, listed, authority.")
    profile_id: str = Field(description="The party across lists (records linked as one).")
    entity_ids: list[str] = Field(description="Every list record of the party.")
    matched_entity_id: str = Field(description="The record that matched best.")
    basis: Literal["listed", "ownership"] = Field(
        "listed", description="`listed`: the party is on a list; `ownership`: it is not, but "
        "listed parties own or control it (see `ownership`).")
    ownership: dict[str, Any] | None = Field(
        None, description="For a hit on the basis of ownership: `share` (lower bound, "
        "percent), `share_high`, `rule` (us-ofac-50, eu-ownership-control, "
        "uk-ownership-control), `status` (blocked, or possible only at the top of share "
        "bands), `controlled`, `paths` (each a list of edges from a listed owner down: owner, "
        "owned, kind, share, source, as_of) and `explanation` in words.")


class EntityExampleEcho(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: str | None = None
    schema_: str = Field(alias="schema", serialization_alias="schema")
    properties: dict[str, list[str]]


class QueryResponse(BaseModel):
    status: int = 200
    results: list[ScoredEntity]
    total: TotalSpec
    query: EntityExampleEcho


class MatchResponse(BaseModel):
    responses: dict[str, QueryResponse]
    matcher: dict[str, Any] = Field(description="The algorithm, threshold and limit used.")
    limit: int
    versions: list[VersionRef]


class SearchResponse(BaseModel):
    results: list[ScoredEntity]
    total: TotalSpec
    limit: int
    offset: int = 0
    versions: list[VersionRef]


# -- reconciliation (W3C Reconciliation Service API 0.2, for OpenRefine) -------------------


class ReconcileType(BaseModel):
    id: str = Field(examples=["Person"])
    name: str


class ReconcileCandidate(BaseModel):
    """A listed party a reconciliation query may be."""

    id: str = Field(description="The entity id (GET /entities/{id}).")
    name: str
    type: list[ReconcileType]
    score: float = Field(description="0 to 100.")
    match: bool = Field(description="True only for the best candidate, when it alone "
                        "scores at the screener's threshold (OpenRefine auto-matches it).")
    description: str | None = None


class ReconcileResult(BaseModel):
    result: list[ReconcileCandidate]


class ReconcileResponse(RootModel[dict[str, ReconcileResult]]):
    """Candidates by query key."""


class SuggestItem(BaseModel):
    id: str
    name: str
    description: str | None = None


class SuggestResponse(BaseModel):
    result: list[SuggestItem]


class ReconcileManifest(BaseModel):
    """The service manifest OpenRefine reads when the service is added."""

    versions: list[str]
    name: str
    identifierSpace: str  # noqa: N815 - the spec's names
    schemaSpace: str  # noqa: N815
    defaultTypes: list[ReconcileType]  # noqa: N815
    view: dict[str, str]
    preview: dict[str, Any] | None = None
    suggest: dict[str, dict[str, str]] | None = None
    batchSize: int | None = None  # noqa: N815
