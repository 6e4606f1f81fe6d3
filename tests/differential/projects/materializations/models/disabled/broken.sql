-- disabled by the folder config: would fail if it ran
select * from {{ ref('does_not_exist') }}
