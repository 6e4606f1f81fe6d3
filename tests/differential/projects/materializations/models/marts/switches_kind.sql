-- a view in phase 1, a table in phase 2
{{ config(materialized='view') }}
select customer_id, count(*) as n from {{ ref('stg_orders') }} group by customer_id
