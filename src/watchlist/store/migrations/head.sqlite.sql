-- The store's schema at revision 0010 on SQLite, as its migrations make it.
-- An empty store is created from this file (no alembic needed).
-- Written by `watchlist db write-schema`: do not edit.
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE versions (
    id INTEGER NOT NULL,
    source VARCHAR(100) NOT NULL,
    seq INTEGER NOT NULL,
    format VARCHAR(50) NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    content_hash VARCHAR(64) NOT NULL,
    published VARCHAR(32),
    published_from VARCHAR(20) NOT NULL,
    fetched_at VARCHAR(40) NOT NULL,
    origin TEXT NOT NULL,
    targets INTEGER NOT NULL,
    names INTEGER NOT NULL,
    entities INTEGER NOT NULL,
    warnings TEXT NOT NULL, bundled VARCHAR(32), held_at VARCHAR(40), held_limit FLOAT,
    PRIMARY KEY (id)
);
CREATE INDEX ix_versions_source ON versions (source);
CREATE UNIQUE INDEX ix_versions_source_sha ON versions (source, sha256);
CREATE TABLE version_files (
    version_id INTEGER NOT NULL,
    role VARCHAR(30) NOT NULL,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (version_id, role),
    FOREIGN KEY(version_id) REFERENCES versions (id)
);
CREATE TABLE entity_data (
    hash VARCHAR(40) NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (hash)
);
CREATE TABLE version_entities (
    version_id INTEGER NOT NULL,
    entity_id VARCHAR(300) NOT NULL,
    schema VARCHAR(50) NOT NULL,
    target BOOLEAN NOT NULL,
    hash VARCHAR(40) NOT NULL,
    PRIMARY KEY (version_id, entity_id),
    FOREIGN KEY(hash) REFERENCES entity_data (hash),
    FOREIGN KEY(version_id) REFERENCES versions (id)
);
CREATE INDEX ix_version_entities_entity ON version_entities (entity_id);
CREATE TABLE entity_refs (
    version_id INTEGER NOT NULL,
    entity_id VARCHAR(300) NOT NULL,
    ref_id VARCHAR(300) NOT NULL,
    PRIMARY KEY (version_id, entity_id, ref_id),
    FOREIGN KEY(version_id) REFERENCES versions (id)
);
CREATE INDEX ix_entity_refs_ref ON entity_refs (version_id, ref_id);
CREATE TABLE current (
    source VARCHAR(100) NOT NULL,
    version_id INTEGER NOT NULL,
    PRIMARY KEY (source),
    FOREIGN KEY(version_id) REFERENCES versions (id)
);
CREATE TABLE fetch_state (
    url TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    sha256 VARCHAR(64),
    checked_at VARCHAR(40) NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (url)
);
CREATE TABLE api_keys (
    id INTEGER NOT NULL,
    key_id VARCHAR(12) NOT NULL,
    name VARCHAR(200) NOT NULL,
    role VARCHAR(20) NOT NULL,
    key_hash VARCHAR(64) NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    revoked_at VARCHAR(40),
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_api_keys_key_id ON api_keys (key_id);
CREATE TABLE audit_head (
    id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    hash VARCHAR(64) NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE update_jobs (
    id VARCHAR(32) NOT NULL,
    status VARCHAR(20) NOT NULL,
    requested_by VARCHAR(300) NOT NULL,
    sources TEXT,
    started_at VARCHAR(40) NOT NULL,
    finished_at VARCHAR(40),
    result TEXT,
    error TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX ix_update_jobs_status ON update_jobs (status);
CREATE TABLE customer_history (
    customer_id VARCHAR(200) NOT NULL,
    version INTEGER NOT NULL,
    change VARCHAR(20) NOT NULL,
    data TEXT,
    hash VARCHAR(64),
    valid_from VARCHAR(40) NOT NULL,
    valid_to VARCHAR(40),
    origin TEXT NOT NULL,
    PRIMARY KEY (customer_id, version)
);
CREATE TABLE customers (
    id VARCHAR(200) NOT NULL,
    data TEXT NOT NULL,
    hash VARCHAR(64) NOT NULL,
    version INTEGER NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    updated_at VARCHAR(40) NOT NULL,
    removed_at VARCHAR(40),
    screened_hash VARCHAR(64),
    screened_versions TEXT,
    screened_at VARCHAR(40),
    screened_run INTEGER,
    keys TEXT,
    PRIMARY KEY (id)
);
CREATE TABLE monitor_runs (
    id INTEGER NOT NULL,
    started_at VARCHAR(40) NOT NULL,
    finished_at VARCHAR(40),
    status VARCHAR(20) NOT NULL,
    actor VARCHAR(300) NOT NULL,
    mode VARCHAR(20) NOT NULL,
    versions TEXT NOT NULL,
    index_key VARCHAR(64) NOT NULL,
    stats TEXT,
    PRIMARY KEY (id)
);
CREATE TABLE web_secrets (
    name VARCHAR(50) NOT NULL,
    value TEXT NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    PRIMARY KEY (name)
);
CREATE TABLE alerts (
    id INTEGER NOT NULL,
    customer_id VARCHAR(200) NOT NULL,
    profile_id VARCHAR(64) NOT NULL,
    entity_id VARCHAR(300) NOT NULL,
    entity_ids TEXT NOT NULL,
    matched_entity_id VARCHAR(300) NOT NULL,
    caption TEXT NOT NULL,
    schema VARCHAR(50) NOT NULL,
    score FLOAT NOT NULL,
    explanation TEXT NOT NULL,
    designations TEXT NOT NULL,
    versions TEXT NOT NULL,
    status VARCHAR(20) NOT NULL,
    cause VARCHAR(30) NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    updated_at VARCHAR(40) NOT NULL,
    run_id INTEGER,
    last_seen_run INTEGER,
    customer_hash VARCHAR(64) NOT NULL,
    listing_hash VARCHAR(64) NOT NULL,
    decided_customer_hash VARCHAR(64),
    decided_customer_version INTEGER,
    decided_listing_hash VARCHAR(64),
    decided_versions TEXT,
    changes TEXT, assignee VARCHAR(300), assigned_at VARCHAR(40), proposed_decision VARCHAR(20), proposed_reason_code VARCHAR(60), proposed_reason TEXT, proposed_by VARCHAR(300), proposed_at VARCHAR(40), proposed_from VARCHAR(20),
    PRIMARY KEY (id),
    FOREIGN KEY(run_id) REFERENCES monitor_runs (id)
);
CREATE INDEX ix_alerts_customer ON alerts (customer_id);
CREATE INDEX ix_alerts_status ON alerts (status);
CREATE TABLE screenings (
    id INTEGER NOT NULL,
    run_id INTEGER NOT NULL,
    customer_id VARCHAR(200) NOT NULL,
    at VARCHAR(40) NOT NULL,
    mode VARCHAR(20) NOT NULL,
    customer_hash VARCHAR(64) NOT NULL,
    since_versions TEXT,
    hits INTEGER NOT NULL,
    error TEXT,
    PRIMARY KEY (id),
    FOREIGN KEY(run_id) REFERENCES monitor_runs (id)
);
CREATE INDEX ix_screenings_customer ON screenings (customer_id);
CREATE TABLE alert_decisions (
    id INTEGER NOT NULL,
    alert_id INTEGER NOT NULL,
    decision VARCHAR(20) NOT NULL,
    previous_status VARCHAR(20) NOT NULL,
    status VARCHAR(20) NOT NULL,
    reason TEXT NOT NULL,
    actor VARCHAR(300) NOT NULL,
    at VARCHAR(40) NOT NULL,
    customer_hash VARCHAR(64),
    listing_hash VARCHAR(64),
    audit_seq INTEGER, reason_code VARCHAR(60), proposal VARCHAR(20),
    PRIMARY KEY (id),
    FOREIGN KEY(alert_id) REFERENCES alerts (id)
);
CREATE INDEX ix_alert_decisions_alert ON alert_decisions (alert_id);
CREATE TABLE "audit_log" (
    seq INTEGER NOT NULL,
    at VARCHAR(40) NOT NULL,
    actor VARCHAR(300) NOT NULL,
    action VARCHAR(50) NOT NULL,
    "query" TEXT NOT NULL,
    versions TEXT NOT NULL,
    hits TEXT NOT NULL,
    prev_hash VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    PRIMARY KEY (seq)
);
CREATE INDEX ix_audit_log_at ON audit_log (at);
CREATE TABLE web_sessions (
    id VARCHAR(64) NOT NULL,
    kind VARCHAR(10) NOT NULL,
    ref VARCHAR(200) NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    expires_at VARCHAR(40) NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_web_sessions_kind_ref ON web_sessions (kind, ref);
CREATE INDEX ix_web_sessions_expires_at ON web_sessions (expires_at);
CREATE TABLE sign_in_failures (
    name VARCHAR(200) NOT NULL,
    failures INTEGER NOT NULL,
    locked_until VARCHAR(40),
    last_failed_at VARCHAR(40) NOT NULL,
    PRIMARY KEY (name)
);
CREATE INDEX ix_sign_in_failures_last_failed_at ON sign_in_failures (last_failed_at);
CREATE TABLE sign_in_attempts (
    id INTEGER NOT NULL,
    address VARCHAR(64) NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX ix_sign_in_attempts_address_at_ms ON sign_in_attempts (address, at_ms);
CREATE TABLE "web_users" (
    id INTEGER NOT NULL,
    name VARCHAR(100) NOT NULL,
    role VARCHAR(20) NOT NULL,
    password_hash VARCHAR(200) NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    disabled_at VARCHAR(40),
    last_login_at VARCHAR(40),
    PRIMARY KEY (id),
    UNIQUE (name)
);
CREATE TABLE profile_members (
    record_id VARCHAR(300) NOT NULL,
    profile_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (record_id)
);
CREATE INDEX ix_profile_members_profile ON profile_members (profile_id);
CREATE TABLE profile_merges (
    profile_id VARCHAR(64) NOT NULL,
    into_id VARCHAR(64) NOT NULL,
    at VARCHAR(40) NOT NULL,
    PRIMARY KEY (profile_id)
);
CREATE TABLE profile_changes (
    id INTEGER NOT NULL,
    at VARCHAR(40) NOT NULL,
    versions TEXT NOT NULL,
    change VARCHAR(10) NOT NULL,
    profile_id VARCHAR(64) NOT NULL,
    other_id VARCHAR(64),
    record_id VARCHAR(300),
    source VARCHAR(100),
    evidence TEXT,
    PRIMARY KEY (id)
);
CREATE INDEX ix_profile_changes_record ON profile_changes (record_id);
CREATE INDEX ix_alerts_assignee ON alerts (assignee);
CREATE TABLE ownership_imports (
    id INTEGER NOT NULL,
    dataset VARCHAR(100) NOT NULL,
    seq INTEGER NOT NULL,
    format VARCHAR(30) NOT NULL,
    filename TEXT NOT NULL,
    sha256 VARCHAR(64) NOT NULL,
    imported_at VARCHAR(40) NOT NULL,
    relations INTEGER NOT NULL,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX ix_ownership_imports_dataset ON ownership_imports (dataset, seq);
CREATE TABLE ownership_relations (
    import_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    owner VARCHAR(300) NOT NULL,
    owned VARCHAR(300) NOT NULL,
    kind VARCHAR(20) NOT NULL,
    low FLOAT,
    high FLOAT,
    source TEXT NOT NULL,
    as_of VARCHAR(20) NOT NULL,
    owner_name TEXT NOT NULL,
    owned_name TEXT NOT NULL,
    PRIMARY KEY (import_id, n),
    FOREIGN KEY(import_id) REFERENCES ownership_imports (id)
);
CREATE TABLE operation_locks (
    name VARCHAR(100) NOT NULL,
    holder VARCHAR(200) NOT NULL,
    acquired_at VARCHAR(40) NOT NULL,
    expires_at FLOAT NOT NULL,
    PRIMARY KEY (name)
);
CREATE TABLE source_checks (
    source VARCHAR(100) NOT NULL,
    last_attempt_at VARCHAR(40) NOT NULL,
    last_success_at VARCHAR(40),
    outcome VARCHAR(20) NOT NULL,
    message TEXT,
    failures INTEGER NOT NULL,
    next_due_at FLOAT NOT NULL,
    PRIMARY KEY (source)
);
CREATE TABLE webhooks (
    id INTEGER NOT NULL,
    url TEXT NOT NULL,
    secret VARCHAR(200) NOT NULL,
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_by VARCHAR(300) NOT NULL,
    created_at VARCHAR(40) NOT NULL,
    PRIMARY KEY (id)
);
CREATE TABLE webhook_deliveries (
    id INTEGER NOT NULL,
    webhook_id INTEGER NOT NULL,
    event VARCHAR(50) NOT NULL,
    payload TEXT NOT NULL,
    status VARCHAR(20) NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at FLOAT NOT NULL,
    last_code INTEGER,
    last_error TEXT,
    created_at VARCHAR(40) NOT NULL,
    delivered_at VARCHAR(40),
    PRIMARY KEY (id)
);
CREATE INDEX ix_webhook_deliveries_webhook_id ON webhook_deliveries (webhook_id);
CREATE INDEX ix_webhook_deliveries_status ON webhook_deliveries (status);
INSERT INTO alembic_version (version_num) VALUES ('0010');
