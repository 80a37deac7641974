-- RPCs, helpers and triggers.
begin;
select plan(13);

select has_function('app', 'is_team_member', array['bigint']);
select is_definer('app', 'is_team_member', array['bigint']);
select function_returns('app', 'is_team_member', array['bigint'], 'boolean');
select has_function('app', 'task_count', array['integer']);
select has_function('app', 'task_count', array['integer', 'app.task_status']);
select has_function('app', 'project_tasks', array['integer']);
select hasnt_function('app', 'legacy_open_task_ids', array[]::text[]);
select has_trigger('app', 'tasks', 'tasks_set_updated_at', 'tasks track updates');
select trigger_is('app', 'teams', 'teams_set_updated_at', 'app', 'set_updated_at');

-- Exercise the functions with a little data.
insert into auth.users (id, email) values ('11111111-1111-1111-1111-111111111111', 'ada@example.com');
insert into app.teams (slug, name, owner_id) values ('core', 'Core', '11111111-1111-1111-1111-111111111111');
insert into app.projects (team_id, name) select id, 'Launch' from app.teams where slug = 'core';
insert into app.tasks (project_id, title, created_by)
  select id, 'Write docs', '11111111-1111-1111-1111-111111111111' from app.projects where name = 'Launch';

select is(
  app.task_count((select id from app.projects where name = 'Launch')),
  1::bigint,
  'task_count counts the project''s tasks'
);
select is(
  app.task_count((select id from app.projects where name = 'Launch'), 'done'),
  0::bigint,
  'no task is done'
);
select results_eq(
  $$select title::text from app.project_tasks((select id from app.projects where name = 'Launch'))$$,
  array['Write docs'],
  'project_tasks lists the tasks'
);
select is(
  (select email::text from public.profiles where id = '11111111-1111-1111-1111-111111111111'),
  'ada@example.com',
  'a new auth user gets a profile'
);

select * from finish();
rollback;
