select is_eu, count(*) as n, sum(population_m) as population_m, string_agg(code, ',' order by code) as codes
from {{ ref('countries') }}
group by is_eu
