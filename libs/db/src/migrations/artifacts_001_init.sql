-- Content-addressed blobs, chunked. A blob belongs to a tenant; its id is its sha256.
create table artifacts.blobs (
  tenant      text        not null,
  id          text        not null check (id ~ '^[0-9a-f]{64}$'),
  size        bigint      not null,
  media_type  text        not null default 'application/octet-stream',
  chunk_count integer     not null,
  created_at  timestamptz not null default now(),
  primary key (tenant, id)
);

create table artifacts.chunks (
  tenant  text    not null,
  blob_id text    not null,
  seq     integer not null,
  data    bytea   not null,
  primary key (tenant, blob_id, seq),
  foreign key (tenant, blob_id) references artifacts.blobs (tenant, id) on delete cascade deferrable initially deferred
);
