import GRDB

/// The schema's history. Never edit a shipped migration: append a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-incidents-alerts-timeline") { db in
            // Times are INTEGER nanoseconds since the Unix epoch (UTC): exact and sortable.
            // AUTOINCREMENT: an incident id (INC-n) is never reused, even after deletes.
            try db.execute(sql: """
                CREATE TABLE incidents (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    correlation_key TEXT NOT NULL,
                    receiver TEXT NOT NULL,
                    title TEXT NOT NULL,
                    labels TEXT NOT NULL,
                    severity INTEGER NOT NULL,
                    severity_pinned INTEGER NOT NULL DEFAULT 0,
                    status TEXT NOT NULL,
                    opened_at INTEGER NOT NULL,
                    acknowledged_at INTEGER,
                    mitigated_at INTEGER,
                    resolved_at INTEGER,
                    closed_at INTEGER,
                    reopen_count INTEGER NOT NULL DEFAULT 0,
                    truncated_alerts INTEGER NOT NULL DEFAULT 0,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX incidents_by_key ON incidents(correlation_key, id);
                CREATE INDEX incidents_by_status ON incidents(status, id);
                CREATE INDEX incidents_active_by_key ON incidents(correlation_key, id)
                    WHERE status NOT IN ('resolved', 'closed');

                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    receiver TEXT NOT NULL,
                    fingerprint TEXT NOT NULL,
                    starts_at INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    ends_at INTEGER,
                    labels TEXT NOT NULL,
                    annotations TEXT NOT NULL,
                    generator_url TEXT NOT NULL,
                    first_seen_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    UNIQUE (receiver, fingerprint, starts_at)
                );
                CREATE INDEX alerts_by_incident ON alerts(incident_id, status);

                CREATE TABLE timeline (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    at INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    text TEXT NOT NULL,
                    data TEXT NOT NULL DEFAULT '{}'
                );
                CREATE INDEX timeline_by_incident ON timeline(incident_id, id);
                """)
        }
        migrator.registerMigration("v2-roles") { db in
            try db.execute(sql: """
                CREATE TABLE roles (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    user_id TEXT NOT NULL,
                    user_name TEXT NOT NULL,
                    started_at INTEGER NOT NULL,
                    ended_at INTEGER,
                    assigned_by TEXT NOT NULL
                );
                CREATE INDEX roles_by_incident ON roles(incident_id, id);
                -- At most one current holder per role and incident.
                CREATE UNIQUE INDEX roles_current ON roles(incident_id, role) WHERE ended_at IS NULL;
                """)
        }
        migrator.registerMigration("v3-incident-runbooks") { db in
            try db.execute(sql: """
                CREATE TABLE incident_runbooks (
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    runbook_id TEXT NOT NULL,
                    attached_at INTEGER NOT NULL,
                    PRIMARY KEY (incident_id, runbook_id)
                );
                """)
        }
        migrator.registerMigration("v4-postmortems") { db in
            // Every close writes a new version; earlier drafts are kept.
            try db.execute(sql: """
                CREATE TABLE postmortems (
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    version INTEGER NOT NULL,
                    generated_at INTEGER NOT NULL,
                    markdown TEXT NOT NULL,
                    PRIMARY KEY (incident_id, version)
                );
                """)
        }
        migrator.registerMigration("v5-outbox") { db in
            // One row per (timeline entry, target), written in the transaction that wrote the entry.
            // state: pending -> delivered | failed. Kept after delivery as the delivery record.
            try db.execute(sql: """
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    timeline_id INTEGER NOT NULL REFERENCES timeline(id) ON DELETE CASCADE,
                    target TEXT NOT NULL,
                    event TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending',
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL,
                    last_error TEXT,
                    finished_at INTEGER
                );
                -- Head of each target's queue: deliveries go out in order, one target at a time.
                CREATE INDEX outbox_pending ON outbox(target, id) WHERE state = 'pending';
                CREATE INDEX outbox_failed ON outbox(target) WHERE state = 'failed';
                """)
        }
        migrator.registerMigration("v6-escalation") { db in
            try db.execute(sql: """
                ALTER TABLE incidents ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE incidents ADD COLUMN escalated_at INTEGER;
                """)
        }
        migrator.registerMigration("v7-silences") { db in
            // Alertmanager silences created for incidents; expired_at is set by unsilence.
            try db.execute(sql: """
                CREATE TABLE silences (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    silence_id TEXT NOT NULL,
                    matchers TEXT NOT NULL,
                    starts_at INTEGER NOT NULL,
                    ends_at INTEGER NOT NULL,
                    created_by TEXT NOT NULL,
                    comment TEXT NOT NULL,
                    expired_at INTEGER,
                    expired_by TEXT
                );
                CREATE INDEX silences_by_incident ON silences(incident_id, id);
                """)
        }
        migrator.registerMigration("v8-outbox-retention") { db in
            // Delivered rows are pruned by age (notifications.retention); failed ones are kept.
            try db.execute(sql: "CREATE INDEX outbox_delivered ON outbox(finished_at) WHERE state = 'delivered'")
        }
        migrator.registerMigration("v9-dead-letters") { db in
            // Notifications rejected for good, kept with their raw body; one row per distinct body.
            try db.execute(sql: """
                CREATE TABLE dead_letters (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    body_sha256 BLOB NOT NULL UNIQUE,
                    receiver TEXT NOT NULL,
                    group_key TEXT NOT NULL,
                    body BLOB NOT NULL,
                    error TEXT NOT NULL,
                    first_seen_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 1
                )
                """)
        }
        migrator.registerMigration("v10-seen-signatures") { db in
            // Slack request signatures seen in the replay window, so a replay is refused after a restart.
            try db.execute(sql: """
                CREATE TABLE seen_signatures (mac BLOB PRIMARY KEY, request_ts INTEGER NOT NULL) WITHOUT ROWID;
                CREATE INDEX seen_signatures_by_ts ON seen_signatures(request_ts);
                """)
        }
        migrator.registerMigration("v11-chat-threads") { db in
            // Slack app mode: each incident's one message per target, updated in place (chat.update
            // by ts); and the storm digest counts a target's recent openings by time.
            try db.execute(sql: """
                CREATE TABLE chat_threads (
                    incident_id INTEGER NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
                    target TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    ts TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    PRIMARY KEY (incident_id, target)
                ) WITHOUT ROWID;
                CREATE INDEX outbox_openings ON outbox(target, created_at) WHERE event = 'opened';
                """)
        }
        migrator.registerMigration("v12-drills-heartbeats") { db in
            // Drills (game days) are marked on the incident; heartbeats hold when each pipeline
            // heartbeat alert last arrived, so every replica judges silence alike.
            try db.execute(sql: """
                ALTER TABLE incidents ADD COLUMN drill INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE heartbeats (name TEXT PRIMARY KEY, last_seen_at INTEGER NOT NULL) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
