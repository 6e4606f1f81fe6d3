{{ config(materialized='table', schema='reporting') }}
select p.country, p.revenue, p.n_orders, a.n_customers
from {{ ref('py_model') }} as p
left join (select count(*) as n_customers from {{ ref('py_arrow_model') }}) as a on true
