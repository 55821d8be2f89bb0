-- The training service's schema. Every table that holds a tenant's resources carries its tenant.
create table if not exists training.info (
  key   text primary key,
  value text not null
);
