-- a table in phase 1, a view in phase 2
{{ config(materialized='view') }}
select country, count(*) as n, max(customer_name) as last_name from {{ ref('stg_customers') }} group by country
