-- The cities the events site serves, the events the cities service counts, and API tokens.

CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TABLE cities (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug text NOT NULL,
    name text NOT NULL,
    country_code char(2) NOT NULL,
    region text,
    timezone text NOT NULL,
    latitude double precision,
    longitude double precision,
    population bigint,
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cities_slug_key UNIQUE (slug),
    CONSTRAINT cities_slug_format CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(slug) <= 200),
    CONSTRAINT cities_name_length CHECK (char_length(name) BETWEEN 1 AND 200),
    CONSTRAINT cities_country_code_format CHECK (country_code ~ '^[A-Z]{2}$'),
    CONSTRAINT cities_region_length CHECK (region IS NULL OR char_length(region) BETWEEN 1 AND 200),
    CONSTRAINT cities_timezone_length CHECK (char_length(timezone) BETWEEN 1 AND 64),
    CONSTRAINT cities_latitude_range CHECK (latitude BETWEEN -90 AND 90),
    CONSTRAINT cities_longitude_range CHECK (longitude BETWEEN -180 AND 180),
    CONSTRAINT cities_coordinates_together CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT cities_population_nonnegative CHECK (population >= 0)
);

CREATE INDEX cities_name_idx ON cities (name, id);
CREATE INDEX cities_country_code_idx ON cities (country_code);
CREATE INDEX cities_created_at_idx ON cities (created_at, id);
CREATE INDEX cities_population_idx ON cities (population, id);

CREATE TRIGGER cities_set_updated_at BEFORE UPDATE ON cities
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Events as the events service publishes them, keyed by that service's id.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    external_id text NOT NULL,
    city_id bigint NOT NULL REFERENCES cities (id) ON DELETE CASCADE,
    category text NOT NULL,
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    status text NOT NULL DEFAULT 'scheduled',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_external_id_key UNIQUE (external_id),
    CONSTRAINT events_external_id_length CHECK (char_length(external_id) BETWEEN 1 AND 255),
    CONSTRAINT events_category_format CHECK (category ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND char_length(category) <= 50),
    CONSTRAINT events_ends_after_start CHECK (ends_at >= starts_at),
    CONSTRAINT events_status_choice CHECK (status IN ('scheduled', 'cancelled'))
);

-- Event counts: scheduled events per city that are not over yet, or that overlap a window.
CREATE INDEX events_city_ends_at_idx ON events (city_id, ends_at) WHERE status = 'scheduled';
CREATE INDEX events_ends_at_idx ON events (ends_at) WHERE status = 'scheduled';
CREATE INDEX events_city_starts_at_idx ON events (city_id, starts_at);

CREATE TRIGGER events_set_updated_at BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- API tokens: only a SHA-256 hash of the key is stored; the key is shown once at creation.
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    key_hash bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    CONSTRAINT api_tokens_key_hash_key UNIQUE (key_hash),
    CONSTRAINT api_tokens_key_hash_length CHECK (octet_length(key_hash) = 32),
    CONSTRAINT api_tokens_name_format CHECK (char_length(name) BETWEEN 1 AND 100)
);

CREATE UNIQUE INDEX api_tokens_active_name_key ON api_tokens (name) WHERE revoked_at IS NULL;
