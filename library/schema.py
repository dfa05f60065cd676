"""The library's schema, as the list of migrations that build it.

:mod:`library.store` applies the entries a file has not had yet, in order, and sets
``PRAGMA user_version`` to their number (backing the file up first).
"""

# Each entry upgrades the schema by one version. Never edit a released entry: add one.
MIGRATIONS: list[str] = [
    # 1: feeds, episodes and the feed history log.
    """
    CREATE TABLE feeds (
        id                   INTEGER PRIMARY KEY,
        url                  TEXT NOT NULL UNIQUE,
        title                TEXT NOT NULL DEFAULT '',
        author               TEXT NOT NULL DEFAULT '',
        description          TEXT NOT NULL DEFAULT '',
        link                 TEXT,
        image_url            TEXT,
        podcast_guid         TEXT,
        itunes_id            TEXT,
        category             TEXT NOT NULL DEFAULT '',   -- OPML path, parts joined by ' / '
        complete             INTEGER NOT NULL DEFAULT 0, -- podcast:updateFrequency complete
        etag                 TEXT,
        last_modified        TEXT,
        body_hash            TEXT,
        added_at             REAL NOT NULL,
        last_checked_at      REAL,
        last_success_at      REAL,
        consecutive_failures INTEGER NOT NULL DEFAULT 0,
        first_failure_at     REAL,
        last_http_status     INTEGER,
        last_error           TEXT,
        last_error_kind      TEXT,
        status               TEXT NOT NULL DEFAULT 'active'
                             CHECK (status IN ('active', 'archived')),
        archived_at          REAL,
        new_feed_url         TEXT
    );
    CREATE TABLE episodes (
        id               INTEGER PRIMARY KEY,
        feed_id          INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        identity         TEXT NOT NULL,   -- guid, else enclosure URL, else link, else title+date
        guid             TEXT,
        title            TEXT NOT NULL DEFAULT '',
        published_at     REAL,
        duration_s       INTEGER,
        enclosure_url    TEXT,
        enclosure_type   TEXT,
        enclosure_length INTEGER,
        notes            TEXT NOT NULL DEFAULT '',
        link             TEXT,
        chapters_url     TEXT,
        transcript_url   TEXT,
        played           INTEGER NOT NULL DEFAULT 0,
        position_s       REAL NOT NULL DEFAULT 0,
        first_seen_at    REAL NOT NULL,
        UNIQUE (feed_id, identity)
    );
    CREATE INDEX episodes_by_feed_date ON episodes (feed_id, published_at DESC);
    CREATE TABLE feed_events (
        id       INTEGER PRIMARY KEY,
        feed_id  INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        at       REAL NOT NULL,
        kind     TEXT NOT NULL,       -- e.g. 'moved', 'archived', 'unarchived'
        message  TEXT NOT NULL
    );
    """,
    # 2: every check's result, so an archive notice can say what failed and since when.
    """
    CREATE TABLE feed_checks (
        id          INTEGER PRIMARY KEY,
        feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        at          REAL NOT NULL,
        ok          INTEGER NOT NULL,
        http_status INTEGER,
        error_kind  TEXT,
        error       TEXT
    );
    CREATE INDEX feed_checks_by_feed ON feed_checks (feed_id, at);
    ALTER TABLE feeds ADD COLUMN archive_reason TEXT
    """,
    # 3: show notes stored as the feed wrote them and made plain text when first read
    # (NULL once `notes` has the text); per-feed counts and durations (list_feeds) read
    # from an index instead of every episode row.
    """
    ALTER TABLE episodes ADD COLUMN notes_html TEXT;
    CREATE INDEX episodes_feed_totals ON episodes (feed_id, played, duration_s)
    """,
    # 4: waits servers asked for (Retry-After), per address, so the next run respects
    # them; and the address a feed gives for itself (atom:link rel=self), to recognise
    # the same feed under two addresses.
    """
    CREATE TABLE retry_after (
        url        TEXT PRIMARY KEY,   -- the address that was answered 429/503
        host       TEXT NOT NULL,
        not_before REAL NOT NULL,      -- UNIX time, not asked again before it
        asked_at   REAL NOT NULL
    );
    ALTER TABLE feeds ADD COLUMN self_url TEXT
    """,
    # 5: listening: the Up Next queue, the inbox of new episodes, per-show settings.
    """
    CREATE TABLE queue (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        rank       INTEGER NOT NULL,  -- smaller plays first, gaps allowed (see library.upnext)
        added_at   REAL NOT NULL
    );
    CREATE INDEX queue_by_rank ON queue (rank);
    CREATE TABLE inbox (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        arrived_at REAL NOT NULL
    );
    -- A feed is listed here once its first fetch is stored: only later arrivals can be new.
    CREATE TABLE inbox_feeds (
        feed_id INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE
    );
    INSERT INTO inbox_feeds (feed_id) SELECT id FROM feeds WHERE last_success_at IS NOT NULL;
    -- NULL in any column: use the global default.
    CREATE TABLE show_settings (
        feed_id              INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
        speed                REAL,     -- default [player] rate
        volume               INTEGER,  -- percent, default [player] volume
        skip_intro_s         INTEGER,  -- default [player] skip_intro_s
        skip_outro_s         INTEGER,  -- default [player] skip_outro_s
        auto_queue           INTEGER,  -- 1 or 0, default off
        auto_download_newest INTEGER   -- default [downloads] auto_newest
    )
    """,
    # 6: sync (library/sync/). The outbox holds local changes not yet uploaded, one row
    # per feed or episode (a newer change replaces the older). The clock says when an
    # episode's listening state last changed and where. Remote actions whose episode is
    # not here yet wait in sync_pending. Aliases keep enclosure URLs an episode had
    # before its feed migrated. Removals made elsewhere wait in sync_held for the user.
    """
    CREATE TABLE sync_outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        key        TEXT NOT NULL UNIQUE,      -- 'feed:<url>' or 'episode:<id>'
        action     TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe', 'play', 'new')),
        podcast    TEXT NOT NULL,
        episode    TEXT,
        guid       TEXT,
        episode_id INTEGER,
        started    INTEGER,
        position   INTEGER,
        total      INTEGER,
        at         INTEGER NOT NULL           -- UTC UNIX seconds
    );
    CREATE TABLE sync_clock (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        at         INTEGER NOT NULL,
        source     TEXT NOT NULL CHECK (source IN ('local', 'remote'))
    );
    CREATE TABLE sync_pending (
        key      TEXT PRIMARY KEY,            -- 'guid:<guid>' or 'episode:<url>'
        podcast  TEXT NOT NULL,
        episode  TEXT NOT NULL,
        guid     TEXT,
        at       INTEGER NOT NULL,
        played   INTEGER NOT NULL,
        position INTEGER NOT NULL
    );
    CREATE INDEX sync_pending_by_podcast ON sync_pending (podcast);
    CREATE TABLE sync_aliases (
        url        TEXT PRIMARY KEY,
        episode_id INTEGER NOT NULL REFERENCES episodes(id) ON DELETE CASCADE
    );
    CREATE TABLE sync_held (
        url   TEXT PRIMARY KEY,
        since REAL NOT NULL
    );
    CREATE TABLE sync_state (
        account TEXT NOT NULL,
        name    TEXT NOT NULL,
        value   TEXT NOT NULL,
        PRIMARY KEY (account, name)
    )
    """,
    # 7: downloaded episodes (one row per episode the library has a file, or a .part, for).
    # played_at starts the grace period of auto-delete; the triggers keep it in step with
    # the episode's played flag whoever sets it (CLI, TUI, sync). dismissed remembers
    # downloads the user deleted, so auto-download does not fetch them again.
    """
    CREATE TABLE downloads (
        episode_id   INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        state        TEXT NOT NULL
                     CHECK (state IN ('queued', 'downloading', 'done', 'failed', 'cancelled')),
        path         TEXT NOT NULL,      -- the finished file; '.part' is appended meanwhile
        bytes        INTEGER NOT NULL DEFAULT 0,
        total_bytes  INTEGER,
        error        TEXT,
        validator    TEXT,               -- ETag or Last-Modified, sent as If-Range to resume
        owner_pid    INTEGER,            -- the process that queued or runs it
        queued_at    REAL NOT NULL,
        finished_at  REAL,
        played_at    REAL
    );
    CREATE INDEX downloads_by_state ON downloads (state);
    CREATE TRIGGER downloads_played AFTER UPDATE OF played ON episodes
    WHEN NEW.played != OLD.played
    BEGIN
        UPDATE downloads
        SET played_at = CASE WHEN NEW.played THEN (julianday('now') - 2440587.5) * 86400.0 END
        WHERE episode_id = NEW.id;
    END;
    CREATE TABLE download_dismissed (
        episode_id INTEGER PRIMARY KEY REFERENCES episodes(id) ON DELETE CASCADE,
        at         REAL NOT NULL
    )
    """,
    # 8: each feed's totals (episodes, unplayed, seconds), so listing feeds reads one row
    # a feed instead of adding up every episode. library.episodes.upsert_episodes (the one
    # place episodes are inserted) adds what it inserts; the triggers follow every other
    # change, whoever makes it. They replace the index that made adding up cheaper.
    """
    CREATE TABLE feed_totals (
        feed_id          INTEGER PRIMARY KEY REFERENCES feeds(id) ON DELETE CASCADE,
        episode_count    INTEGER NOT NULL,
        unplayed_count   INTEGER NOT NULL,
        total_duration_s INTEGER NOT NULL
    );
    INSERT INTO feed_totals
    SELECT feed_id, COUNT(*), SUM(played = 0), COALESCE(SUM(duration_s), 0)
    FROM episodes GROUP BY feed_id;
    DROP INDEX episodes_feed_totals;
    CREATE TRIGGER feed_totals_delete AFTER DELETE ON episodes
    BEGIN
        UPDATE feed_totals SET
            episode_count = episode_count - 1,
            unplayed_count = unplayed_count - (OLD.played = 0),
            total_duration_s = total_duration_s - COALESCE(OLD.duration_s, 0)
        WHERE feed_id = OLD.feed_id;
    END;
    CREATE TRIGGER feed_totals_update AFTER UPDATE OF feed_id, played, duration_s ON episodes
    WHEN NEW.feed_id != OLD.feed_id OR (NEW.played = 0) != (OLD.played = 0)
         OR NEW.duration_s IS NOT OLD.duration_s
    BEGIN
        UPDATE feed_totals SET
            episode_count = episode_count - 1,
            unplayed_count = unplayed_count - (OLD.played = 0),
            total_duration_s = total_duration_s - COALESCE(OLD.duration_s, 0)
        WHERE feed_id = OLD.feed_id;
        INSERT INTO feed_totals VALUES
            (NEW.feed_id, 1, NEW.played = 0, COALESCE(NEW.duration_s, 0))
        ON CONFLICT (feed_id) DO UPDATE SET
            episode_count = episode_count + 1,
            unplayed_count = unplayed_count + excluded.unplayed_count,
            total_duration_s = total_duration_s + excluded.total_duration_s;
    END
    """,
]
