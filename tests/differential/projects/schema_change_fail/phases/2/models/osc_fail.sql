{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', on_schema_change='fail') }}
-- phase 2 adds a column: on_schema_change='fail' makes the model (and so `build`) fail
select id, label, price from {{ ref('items') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
