-- Reporting views. Unqualified names resolve to app.
set search_path = app, public;

create view open_tasks as
  select t.id, t.project_id, t.title, t.status, t.assignee_id
  from tasks t
  where t.status <> 'done';

create materialized view team_stats as
  select p.team_id, count(t.id) as task_count, count(t.id) filter (where t.status = 'done') as done_count
  from projects p
  left join tasks t on t.project_id = p.id
  group by p.team_id;

create unique index team_stats_team_id_idx on team_stats (team_id);

create function task_label(t tasks)
returns text
language sql
immutable
as $$ select '#' || t.id || ' ' || t.title $$;

create or replace view open_tasks as
  select t.id, t.project_id, t.title, t.status, t.assignee_id, t.due_date
  from tasks t
  where t.status <> 'done';

grant select on open_tasks, team_stats to authenticated;
