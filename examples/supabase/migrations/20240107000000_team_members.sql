-- "memberships" becomes "team_members"; members gain an optional title.
alter table if exists app.memberships rename to team_members;

alter table app.team_members add column title text;

create or replace function app.is_team_member(p_team_id bigint)
returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select exists (
    select 1 from app.team_members m where m.team_id = p_team_id and m.user_id = auth.uid()
  );
$$;

-- The OUT parameters change, so the function must be dropped first.
drop function app.team_role(bigint);

create function app.team_role(p_team_id bigint, out role app.member_role, out title text)
language sql
stable
as $$
  select m.role, m.title from app.team_members m where m.team_id = p_team_id and m.user_id = auth.uid();
$$;

drop policy if exists memberships_select on app.team_members;

create policy memberships_select
  on app.team_members for select
  to authenticated
  using (user_id = auth.uid() or app.is_team_member(team_id));

create table if not exists app.teams (id bigint primary key);

drop table if exists app.legacy_invites;
