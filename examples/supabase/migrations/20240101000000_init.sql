-- Task tracker: the app schema, an extension, and the types every later migration uses.
create schema if not exists app;

create extension if not exists citext with schema extensions;

create type app.task_status as enum ('todo', 'doing', 'done');

create type app.member_role as enum ('owner', 'member');

-- URL-safe team handles, e.g. "platform-team".
create domain app.slug as varchar(48)
  constraint slug_format check (value ~ '^[a-z0-9]+(-[a-z0-9]+)*$');

-- A task as other services refer to it.
create type app.task_ref as (team_id bigint, task_id bigint);

-- Sprints and absences are date spans.
create type app.date_span as range (subtype = date);
