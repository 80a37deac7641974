-- Reporting views.
begin;
select plan(5);

select has_view('app'::name, 'open_tasks'::name, 'open tasks view exists');
select has_materialized_view('app', 'team_stats', 'team stats exist');
select has_index('app', 'team_stats', 'team_stats_team_id_idx', 'team stats can be refreshed concurrently');
select columns_are(
  'app', 'open_tasks',
  array['id', 'project_id', 'title', 'status', 'assignee_id', 'due_date']
);
select lives_ok(
  'refresh materialized view concurrently app.team_stats',
  'team stats refresh'
);

select * from finish();
rollback;
