-- a view in phase 1, a table in phase 2
{{ config(materialized='table') }}
select customer_id, count(*) as n, 'now a table' as note from {{ ref('stg_orders') }} group by customer_id
