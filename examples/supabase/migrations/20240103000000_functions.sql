-- Helpers, RPCs and triggers.
create or replace function app.set_updated_at()
returns trigger
language plpgsql
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger teams_set_updated_at
  before update on app.teams
  for each row execute function app.set_updated_at();

create trigger tasks_set_updated_at
  before update on app.tasks
  for each row execute function app.set_updated_at();

-- Used by the policies: must bypass RLS on memberships itself.
create function app.is_team_member(p_team_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from app.memberships m where m.team_id = p_team_id and m.user_id = auth.uid()
  );
$$;

create function app.team_role(p_team_id bigint, out role app.member_role, out joined_at timestamptz)
language sql
stable
as $$
  select m.role, m.joined_at from app.memberships m where m.team_id = p_team_id and m.user_id = auth.uid();
$$;

create function app.project_tasks(p_project_id integer)
returns table (id bigint, title text, status app.task_status)
language sql
stable
as $$
  select t.id, t.title, t.status from app.tasks t where t.project_id = p_project_id order by t.id;
$$;

create function app.task_count(p_project_id integer)
returns bigint
language sql
stable
as $$ select count(*) from app.tasks where project_id = p_project_id $$;

create function app.task_count(p_project_id integer, p_status app.task_status)
returns bigint
language sql
stable
as $$ select count(*) from app.tasks where project_id = p_project_id and status = p_status $$;

create function app.legacy_open_task_ids()
returns setof bigint
language sql
as $$ select id from app.tasks where status <> 'done' $$;

create procedure app.archive_project(p_project_id integer)
language plpgsql
as $$
begin
  update app.projects set archived = true where id = p_project_id;
  update app.tasks set status = 'done' where project_id = p_project_id and status <> 'done';
end;
$$;

-- Every new auth user gets a profile.
create function public.handle_new_user()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into public.profiles (id, email) values (new.id, new.email);
  return new;
end;
$$;

create trigger on_auth_user_created
  after insert on auth.users
  for each row execute procedure public.handle_new_user();
