-- Row-level security: members see their team's data.
grant usage on schema app to authenticated, service_role;
grant select, insert, update, delete on all tables in schema app to authenticated, service_role;
grant usage on all sequences in schema app to authenticated, service_role;
grant select on public.profiles to anon, authenticated;
grant update (display_name, avatar_url) on public.profiles to authenticated;

alter table app.teams enable row level security;
alter table app.memberships enable row level security;
alter table app.projects enable row level security;
alter table app.tasks enable row level security;
alter table app.tasks force row level security;
alter table public.profiles enable row level security;

create policy "Members can view their teams"
  on app.teams for select
  to authenticated
  using (app.is_team_member(id) or owner_id = auth.uid());

create policy teams_insert_own
  on app.teams for insert
  to authenticated
  with check (owner_id = auth.uid());

create policy teams_update_owner
  on app.teams for update
  to authenticated
  using (owner_id = auth.uid())
  with check (owner_id = auth.uid());

create policy memberships_select
  on app.memberships for select
  to authenticated
  using (user_id = auth.uid());

create policy projects_members
  on app.projects
  to authenticated
  using (app.is_team_member(team_id));

create policy tasks_select
  on app.tasks for select
  to authenticated, service_role
  using (exists (select 1 from app.projects p where p.id = project_id));

create policy tasks_insert
  on app.tasks for insert
  to authenticated
  with check (created_by = auth.uid());

create policy tasks_update
  on app.tasks for update
  to authenticated
  using (assignee_id = auth.uid() or created_by = auth.uid());

create policy tasks_delete_only_creator
  on app.tasks as restrictive for delete
  to authenticated
  using (created_by = auth.uid());

create policy tasks_delete
  on app.tasks for delete
  to authenticated
  using (true);

create policy profiles_read
  on public.profiles for select
  to anon, authenticated
  using (true);

create policy profiles_update_self
  on public.profiles for update
  using (id = auth.uid());
