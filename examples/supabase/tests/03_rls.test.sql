-- Row-level security on the team data.
begin;
select plan(12);

select policies_are(
  'app', 'teams',
  array['Members can view their teams', 'teams_insert_own', 'teams_update_owner']
);
select policy_cmd_is('app'::name, 'teams'::name, 'teams_insert_own'::name, 'INSERT');
select policy_roles_are('app', 'teams', 'teams_insert_own', array['authenticated']);
select policy_cmd_is('app'::name, 'projects'::name, 'projects_members'::name, 'ALL');
select policy_roles_are('app', 'tasks', 'tasks_select', array['authenticated', 'service_role']);
select policies_are('public', 'profiles', array['profiles_read', 'profiles_update_self']);
select ok(
  (select relrowsecurity from pg_class where oid = 'app.tasks'::regclass),
  'RLS is enabled on app.tasks'
);
select ok(
  (select relforcerowsecurity from pg_class where oid = 'app.tasks'::regclass),
  'RLS is forced on app.tasks'
);

-- Two users, one team each.
insert into auth.users (id, email) values
  ('aaaaaaaa-0000-0000-0000-000000000001', 'a@example.com'),
  ('bbbbbbbb-0000-0000-0000-000000000002', 'b@example.com');
insert into app.teams (slug, name, owner_id) values
  ('team-a', 'Team A', 'aaaaaaaa-0000-0000-0000-000000000001'),
  ('team-b', 'Team B', 'bbbbbbbb-0000-0000-0000-000000000002');
insert into app.team_members (team_id, user_id, role)
  select id, owner_id, 'owner' from app.teams;

set local role authenticated;
set local request.jwt.claims to '{"sub": "aaaaaaaa-0000-0000-0000-000000000001", "role": "authenticated"}';

select results_eq(
  $$select slug::text from app.teams order by slug$$,
  array['team-a'],
  'a user sees only their own teams'
);
select is_empty(
  $$select 1 from app.team_members where user_id = 'bbbbbbbb-0000-0000-0000-000000000002'$$,
  'other teams'' members are hidden'
);
select throws_ok(
  $$insert into app.teams (slug, name, owner_id)
    values ('stolen', 'Stolen', 'bbbbbbbb-0000-0000-0000-000000000002')$$,
  '42501'
);

reset role;
set local role anon;
select results_eq(
  $$select count(*)::int from public.profiles$$,
  array[2],
  'anon can read profiles'
);

select * from finish();
rollback;
