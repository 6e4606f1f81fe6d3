-- a table in phase 1, a view in phase 2
select country, count(*) as n from {{ ref('stg_customers') }} group by country
