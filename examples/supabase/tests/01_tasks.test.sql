-- The tasks table after the estimate → priority migration.
begin;
select plan(14);

select has_column('app', 'tasks', 'priority', 'tasks have a priority');
select col_type_is('app', 'tasks', 'priority', 'smallint', 'priority is a smallint');
select col_not_null('app', 'tasks', 'priority', 'priority is required');
select col_default_is('app', 'tasks', 'priority', 2, 'priority defaults to 2');
select hasnt_column('app', 'tasks', 'estimate', 'estimates are gone');
select has_column('app', 'tasks', 'due_date', 'due_on was renamed');
select col_type_is('app', 'tasks', 'title', 'character varying(200)', 'titles are limited');
select col_has_check('app', 'tasks', 'priority', 'priority is checked');

select has_index('app', 'tasks', 'tasks_one_doing_per_assignee', 'one task in progress per assignee');
select index_is_unique('app', 'tasks', 'tasks_one_doing_per_assignee');
select has_index(
  'app', 'tasks', 'tasks_title_search_idx', 'lower((title)::text)'::name, 'case-insensitive title search'
);
select is_indexed('app', 'tasks', array['project_id', 'status'], 'tasks by project and status');

-- Behaviour: the check constraint and the default.
select throws_ok(
  $$insert into app.tasks (project_id, title, priority, created_by)
    values (1, 'x', 9, gen_random_uuid())$$,
  '23514'
);
select is(
  (select count(*)::int from app.tasks),
  0,
  'no tasks yet'
);

select * from finish();
rollback;
