-- Core allocation data: space, semesters, demands, professors, rules, allocations, holds,
-- reservations, solve jobs and the change log.
--
-- Double booking is impossible in the database: every use of a room at a (weekday, block)
-- over a date range — a weekly allocation or hold for the semester's dates, or one dated
-- reservation occurrence — is one row of allocation.occupancies, and an exclusion
-- constraint forbids two rows of the same room, weekday and block with overlapping dates.
-- Allocations, holds and reservations therefore conflict with each other both ways.
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE campuses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (btrim(name) <> ''),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE buildings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campus_id   bigint NOT NULL REFERENCES campuses (id) ON DELETE RESTRICT,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (campus_id, name)
);

CREATE TABLE room_types (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (btrim(name) <> '')
);

CREATE TABLE characteristics (
    id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (btrim(name) <> '')
);

CREATE TABLE rooms (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    building_id  bigint NOT NULL REFERENCES buildings (id) ON DELETE RESTRICT,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    description  text NOT NULL DEFAULT '',
    floor        integer NOT NULL DEFAULT 0,
    capacity     integer NOT NULL CHECK (capacity >= 0),
    room_type_id bigint NOT NULL REFERENCES room_types (id) ON DELETE RESTRICT,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (building_id, name)
);

CREATE TABLE room_characteristics (
    room_id           bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    characteristic_id bigint NOT NULL REFERENCES characteristics (id) ON DELETE RESTRICT,
    PRIMARY KEY (room_id, characteristic_id)
);

CREATE TABLE semesters (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^[0-9]{4}-[0-9]+$'),
    start_date date NOT NULL,
    end_date   date NOT NULL,
    active     boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date > start_date)
);
-- Exactly one active semester at a time (at most one by constraint; the API keeps one).
CREATE UNIQUE INDEX semesters_one_active ON semesters (active) WHERE active;

CREATE TABLE professors (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL CHECK (btrim(name) <> ''),
    name_key     text NOT NULL UNIQUE,
    low_mobility boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE professor_preferred_rooms (
    professor_id bigint NOT NULL REFERENCES professors (id) ON DELETE CASCADE,
    room_id      bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    PRIMARY KEY (professor_id, room_id)
);

CREATE TABLE professor_preferred_characteristics (
    professor_id      bigint NOT NULL REFERENCES professors (id) ON DELETE CASCADE,
    characteristic_id bigint NOT NULL REFERENCES characteristics (id) ON DELETE CASCADE,
    PRIMARY KEY (professor_id, characteristic_id)
);

CREATE TABLE demands (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    semester_id     bigint NOT NULL REFERENCES semesters (id) ON DELETE RESTRICT,
    external_id     text NOT NULL CHECK (btrim(external_id) <> ''),
    program_code    text NOT NULL DEFAULT '',
    discipline_code text NOT NULL CHECK (btrim(discipline_code) <> ''),
    discipline_name text NOT NULL DEFAULT '',
    section         text NOT NULL DEFAULT '',
    seats           integer NOT NULL CHECK (seats >= 0),
    schedule        text NOT NULL,
    cells           text[] NOT NULL,          -- parsed cells "2M1", in grid order
    professor_names text[] NOT NULL DEFAULT '{}',
    professor_keys  text[] NOT NULL DEFAULT '{}', -- normalised names, matched to professors.name_key
    withdrawn       boolean NOT NULL DEFAULT false, -- no longer in the academic system's offer
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (semester_id, external_id)
);
CREATE INDEX demands_discipline ON demands (semester_id, discipline_code);

CREATE TABLE demand_professors (
    demand_id    bigint NOT NULL REFERENCES demands (id) ON DELETE CASCADE,
    professor_id bigint NOT NULL REFERENCES professors (id) ON DELETE CASCADE,
    PRIMARY KEY (demand_id, professor_id)
);

CREATE TABLE rules (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind              text NOT NULL CHECK (kind IN ('needs_room_type', 'needs_room', 'prefers_characteristic')),
    discipline_code   text NOT NULL CHECK (btrim(discipline_code) <> ''),
    room_type_id      bigint REFERENCES room_types (id) ON DELETE RESTRICT,
    room_id           bigint REFERENCES rooms (id) ON DELETE RESTRICT,
    characteristic_id bigint REFERENCES characteristics (id) ON DELETE RESTRICT,
    priority          integer NOT NULL DEFAULT 0,
    description       text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (
        (kind = 'needs_room_type' AND room_type_id IS NOT NULL AND room_id IS NULL AND characteristic_id IS NULL AND priority = 0) OR
        (kind = 'needs_room' AND room_id IS NOT NULL AND room_type_id IS NULL AND characteristic_id IS NULL AND priority = 0) OR
        (kind = 'prefers_characteristic' AND characteristic_id IS NOT NULL AND room_type_id IS NULL AND room_id IS NULL AND priority BETWEEN 1 AND 10)
    )
);
CREATE UNIQUE INDEX rules_unique ON rules (kind, discipline_code, coalesce(room_type_id, 0), coalesce(room_id, 0), coalesce(characteristic_id, 0));

CREATE TABLE room_holds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    semester_id   bigint NOT NULL REFERENCES semesters (id) ON DELETE RESTRICT,
    room_id       bigint NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    label         text NOT NULL CHECK (btrim(label) <> ''),
    internal_note text NOT NULL DEFAULT '',
    schedule      text NOT NULL,
    cells         text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE allocations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    semester_id bigint NOT NULL REFERENCES semesters (id) ON DELETE RESTRICT,
    demand_id   bigint NOT NULL REFERENCES demands (id) ON DELETE RESTRICT,
    day         smallint NOT NULL CHECK (day BETWEEN 1 AND 7),
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    source      text NOT NULL CHECK (source IN ('solver', 'manual')),
    pinned      boolean NOT NULL DEFAULT false,
    score       integer NOT NULL DEFAULT 0,
    reason      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL,
    UNIQUE (demand_id, day)
);
CREATE INDEX allocations_semester_room ON allocations (semester_id, room_id);

CREATE TABLE reservations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    title       text NOT NULL CHECK (btrim(title) <> ''),
    requester   text NOT NULL CHECK (btrim(requester) <> ''),
    responsible text NOT NULL DEFAULT '',
    blocks      text[] NOT NULL,
    recurrence  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL
);

CREATE TABLE reservation_occurrences (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    reservation_id bigint NOT NULL REFERENCES reservations (id) ON DELETE CASCADE,
    date           date NOT NULL,
    block          smallint NOT NULL,
    cancelled      boolean NOT NULL DEFAULT false,
    UNIQUE (reservation_id, date, block)
);

-- One row per use of a room at a weekday block over a date range. Weekly allocations and
-- holds cover their semester's dates; a reservation occurrence covers its own date.
CREATE TABLE occupancies (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id       bigint NOT NULL REFERENCES rooms (id) ON DELETE RESTRICT,
    day           smallint NOT NULL CHECK (day BETWEEN 1 AND 7),
    block         smallint NOT NULL CHECK (block BETWEEN 0 AND 63),
    during        daterange NOT NULL CHECK (NOT isempty(during)),
    semester_id   bigint REFERENCES semesters (id) ON DELETE RESTRICT,
    allocation_id bigint REFERENCES allocations (id) ON DELETE CASCADE,
    hold_id       bigint REFERENCES room_holds (id) ON DELETE CASCADE,
    occurrence_id bigint REFERENCES reservation_occurrences (id) ON DELETE CASCADE,
    CHECK (num_nonnulls(allocation_id, hold_id, occurrence_id) = 1),
    CONSTRAINT occupancies_no_double_booking
        EXCLUDE USING gist (room_id WITH =, day WITH =, block WITH =, during WITH &&)
);
CREATE INDEX occupancies_semester ON occupancies (semester_id);
CREATE INDEX occupancies_allocation ON occupancies (allocation_id);
CREATE INDEX occupancies_hold ON occupancies (hold_id);
CREATE INDEX occupancies_occurrence ON occupancies (occurrence_id);

CREATE TABLE solve_jobs (
    id          uuid PRIMARY KEY,
    semester_id bigint NOT NULL REFERENCES semesters (id) ON DELETE CASCADE,
    status      text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    progress    jsonb NOT NULL DEFAULT '{}',
    result      jsonb,
    error       text NOT NULL DEFAULT '',
    started_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
-- One running solve per semester.
CREATE UNIQUE INDEX solve_jobs_one_running ON solve_jobs (semester_id) WHERE status = 'running';

CREATE TABLE change_log (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        timestamptz NOT NULL DEFAULT now(),
    username  text NOT NULL,
    action    text NOT NULL,
    entity    text NOT NULL,
    entity_id text NOT NULL DEFAULT '',
    detail    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX change_log_entity ON change_log (entity, entity_id);
