{{ config(materialized='incremental', unique_key='id', incremental_strategy='merge', on_schema_change='fail') }}
select id, label from {{ ref('items') }}
{% if is_incremental() %}
where id > (select max(id) from {{ this }})
{% endif %}
