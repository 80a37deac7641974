-- The app's structure: schemas, tables, columns, keys and types.
begin;
select plan(22);

select has_schema('app');
select has_extension('citext');

select has_table('app'::name, 'teams'::name);
select has_table('app'::name, 'team_members'::name);
select has_table('app'::name, 'projects'::name);
select has_table('app'::name, 'tasks'::name, 'tasks table exists');
select has_table('profiles');
select hasnt_table('app'::name, 'memberships'::name, 'memberships was renamed');

select columns_are(
  'app', 'teams',
  array['id', 'slug', 'name', 'owner_id', 'created_at', 'updated_at']
);
select col_type_is('app', 'teams', 'slug', 'app.slug', 'teams.slug is a slug');
select col_is_unique('app', 'teams', array['slug'], 'team slugs are unique');
select col_is_pk('app', 'teams', array['id'], 'teams are keyed by id');
select fk_ok('app', 'teams', 'owner_id', 'auth', 'users', 'id');

select col_is_pk('app', 'team_members', array['team_id', 'user_id'], 'one membership per user and team');
select col_default_is('app', 'team_members', 'role', 'member'::app.member_role, 'new members are plain members');

select has_pk('app', 'projects', 'projects have a primary key');
select has_fk('app', 'projects', 'projects belong to a team');

select has_column('profiles', 'email');
select col_not_null('profiles', 'display_name');

select enum_has_labels('app', 'task_status', array['todo', 'doing', 'done']);
select has_domain('app'::name, 'slug'::name);
select has_type('app'::name, 'task_ref'::name);

select * from finish();
rollback;
