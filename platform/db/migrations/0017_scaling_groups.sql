-- A monitoring system as a user: tokens of the role `machine` (they may call the hooks and
-- nothing else), the scaling groups an admin defines, and every alert firing a hook acted on.

ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
  CHECK (role IN ('requester', 'approver', 'operator', 'admin', 'machine'));

-- A scaling group: an alert naming it (label `scaling_group` by default) asks for `step` more VMs
-- of `offering`, named by `naming` (`{n}` the next number), owned by `owner` and `owner_group`;
-- never beyond `max_size` live members, and not again within `cooldown_seconds` of the last.
CREATE TABLE scaling_groups (
  name              text PRIMARY KEY,
  -- No foreign key: offerings are retired, not deleted, and a group outlives an offering's row
  -- being rewritten (the lab's seeding); a group whose offering is gone is refused at its firing.
  offering          text NOT NULL,
  step              integer NOT NULL CHECK (step > 0),
  max_size          integer NOT NULL CHECK (max_size >= step),
  cooldown_seconds  integer NOT NULL CHECK (cooldown_seconds >= 0),
  naming            text NOT NULL,
  owner             text NOT NULL,
  owner_group       text,
  -- The number the next VM's name starts from; also the version a scale-out checks under its lock.
  next_index        integer NOT NULL DEFAULT 1,
  last_scaled_at    timestamptz,
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_by        text NOT NULL,
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per firing a hook turned into a request: Alertmanager re-sends a notification (every
-- group_interval, after a failed attempt, from each replica of an HA pair), and the primary key
-- makes the same firing of the same alert group a second request never, whichever API process
-- takes it. Kept after its group is deleted: requests name it.
CREATE TABLE scaling_firings (
  group_key      text NOT NULL,
  fingerprint    text NOT NULL,
  -- As Alertmanager wrote it (RFC 3339, nanoseconds and all): the firing's identity, compared verbatim.
  starts_at      text NOT NULL,
  scaling_group  text NOT NULL,
  request_id     text NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
  -- The alert as Alertmanager sent it (labels, annotations, generatorURL, receiver, externalURL).
  alert          jsonb NOT NULL,
  vms            integer NOT NULL,
  made_by        text NOT NULL,
  made_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_key, fingerprint, starts_at)
);
CREATE UNIQUE INDEX scaling_firings_request ON scaling_firings (request_id);
CREATE INDEX scaling_firings_group ON scaling_firings (scaling_group, made_at DESC);
