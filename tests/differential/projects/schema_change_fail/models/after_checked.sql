select count(*) as n, string_agg(label, ',' order by id) as labels from {{ ref('checked_model') }}
