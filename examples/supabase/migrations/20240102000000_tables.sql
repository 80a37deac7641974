-- Teams, their members, projects and tasks.
create table app.teams (
  id bigint generated always as identity primary key,
  slug app.slug not null unique,
  name text not null check (char_length(name) between 1 and 80),
  owner_id uuid not null references auth.users (id) on delete restrict,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table app.memberships (
  team_id bigint not null references app.teams on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role app.member_role not null default 'member',
  joined_at timestamptz not null default now(),
  constraint memberships_pkey primary key (team_id, user_id)
);

create index memberships_user_idx on app.memberships (user_id);

create table app.projects (
  id serial primary key,
  team_id bigint not null,
  name varchar(120) not null,
  archived boolean not null default false,
  sprint app.date_span,
  constraint projects_team_fk foreign key (team_id) references app.teams (id) on delete cascade,
  constraint projects_name_per_team unique (team_id, name)
);

create table app.tasks (
  id bigserial primary key,
  project_id integer not null references app.projects (id) on delete cascade,
  title text not null,
  status app.task_status not null default 'todo',
  assignee_id uuid references auth.users (id) on delete set null,
  estimate numeric(6, 2),
  due_on date,
  created_by uuid not null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint tasks_estimate_positive check (estimate > 0),
  constraint tasks_updated_after_created check (updated_at >= created_at),
  check (due_on > date '2000-01-01')
);

-- Nobody works on two tasks at once.
create unique index tasks_one_doing_per_assignee on app.tasks (assignee_id) where status = 'doing';

create index tasks_title_search_idx on app.tasks (lower(title));

create index on app.tasks (project_id, status);

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text,
  email extensions.citext unique,
  avatar_url text
);
