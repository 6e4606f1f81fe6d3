select count(*) as n, max(id) as max_id from {{ ref('osc_fail') }}
